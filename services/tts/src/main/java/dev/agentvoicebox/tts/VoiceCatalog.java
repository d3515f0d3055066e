package dev.agentvoicebox.tts;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The OpenAI voice names mapped to engine voices. The default engine ({@code AVB_TTS_ENGINE})
 * gives every name a voice of its own; single entries can be overridden
 * ({@code AVB_TTS_VOICES=alloy=flite:slt,cedar=freetts:kevin16} or {@code app.tts.voices}).
 */
final class VoiceCatalog {
    static final List<String> NAMES =
            List.of("alloy", "ash", "ballad", "coral", "echo", "sage", "shimmer", "verse", "marin", "cedar");

    /** One voice: the OpenAI name, the engine and that engine's voice name. */
    record Voice(String id, String engine, String engineVoice) {}

    private static final Map<String, List<String>> DEFAULTS = Map.of(
            // espeak-ng variants: +f = female, +m = male timbres; en-gb for the two "British" voices.
            "espeak",
                    List.of(
                            "en-us+f3",
                            "en-us+m3",
                            "en-gb+m1",
                            "en-us+f4",
                            "en-us+m1",
                            "en-gb+f2",
                            "en-us+f2",
                            "en-us+m5",
                            "en-us+f5",
                            "en-us+m7"),
            "flite", List.of("slt", "rms", "awb", "slt", "kal16", "slt", "slt", "rms", "slt", "awb"),
            "freetts",
                    List.of(
                            "kevin16", "kevin16", "kevin16", "kevin16", "kevin16", "kevin16", "kevin16", "kevin16",
                            "kevin16", "kevin16"),
            // Remote services know these names themselves.
            "openai", NAMES);

    private final Map<String, Voice> voices;

    private VoiceCatalog(Map<String, Voice> voices) {
        this.voices = voices;
    }

    /**
     * @param overrides voice name → {@code engine:voice}
     * @throws IllegalArgumentException for an unknown engine or a malformed override
     */
    static VoiceCatalog of(String defaultEngine, Map<String, String> overrides) {
        List<String> defaults = DEFAULTS.get(defaultEngine);
        if (defaults == null) {
            throw new IllegalArgumentException(
                    "unknown tts engine '" + defaultEngine + "'; one of " + DEFAULTS.keySet());
        }
        Map<String, Voice> voices = new LinkedHashMap<>();
        for (int i = 0; i < NAMES.size(); i++) {
            voices.put(NAMES.get(i), new Voice(NAMES.get(i), defaultEngine, defaults.get(i)));
        }
        overrides.forEach((name, target) -> {
            int colon = target.indexOf(':');
            if (colon <= 0 || colon == target.length() - 1 || !DEFAULTS.containsKey(target.substring(0, colon))) {
                throw new IllegalArgumentException("voice " + name + " must map to <engine>:<voice> with engine one of "
                        + DEFAULTS.keySet() + ", got '" + target + "'");
            }
            voices.put(name, new Voice(name, target.substring(0, colon), target.substring(colon + 1)));
        });
        return new VoiceCatalog(voices);
    }

    /** Parses {@code alloy=flite:slt,cedar=freetts:kevin16}. */
    static Map<String, String> parseOverrides(String spec) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String entry : spec.split(",")) {
            if (entry.isBlank()) {
                continue;
            }
            int eq = entry.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("AVB_TTS_VOICES entries are name=engine:voice, got '" + entry + "'");
            }
            out.put(entry.substring(0, eq).trim(), entry.substring(eq + 1).trim());
        }
        return out;
    }

    Voice find(String id) {
        return voices.get(id);
    }

    List<Voice> all() {
        return List.copyOf(voices.values());
    }

    /** The engines some voice uses. */
    java.util.Set<String> engines() {
        java.util.Set<String> engines = new java.util.TreeSet<>();
        voices.values().forEach(v -> engines.add(v.engine()));
        return engines;
    }
}
