package dev.agentvoicebox.gateway.audio;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Base64;

/**
 * A Realtime audio format: {@code audio/pcm} (PCM16 mono little-endian, 24 kHz), {@code audio/pcmu}
 * (G.711 μ-law, 8 kHz) or {@code audio/pcma} (G.711 A-law, 8 kHz). The GA API names them with an
 * object {@code {"type": "audio/pcm", "rate": 24000}}; the beta API with the strings
 * {@code pcm16}, {@code g711_ulaw}, {@code g711_alaw}.
 */
public enum AudioFormat {
    PCM("audio/pcm", "pcm16", 24_000, 2),
    PCMU("audio/pcmu", "g711_ulaw", 8_000, 1),
    PCMA("audio/pcma", "g711_alaw", 8_000, 1);

    /** The largest audio one event may carry, decoded (the OpenAI limit). */
    public static final int MAX_AUDIO_BYTES = 15 * 1024 * 1024;

    private final String type;
    private final String betaName;
    private final int rate;
    private final int bytesPerSample;

    AudioFormat(String type, String betaName, int rate, int bytesPerSample) {
        this.type = type;
        this.betaName = betaName;
        this.rate = rate;
        this.bytesPerSample = bytesPerSample;
    }

    /** The GA {@code type}, e.g. {@code audio/pcm}. */
    public String type() {
        return type;
    }

    /** The beta name, e.g. {@code pcm16}. */
    public String betaName() {
        return betaName;
    }

    public int rate() {
        return rate;
    }

    public int bytesPerSample() {
        return bytesPerSample;
    }

    /**
     * The format of a GA format object ({@code type} required, {@code rate} optional but, when given,
     * the format's only rate).
     *
     * @param param where the object sits, for the error, e.g. {@code session.audio.input.format}
     */
    public static AudioFormat fromGa(JsonNode format, String param) throws AudioException {
        if (format == null || !format.isObject()) {
            throw new AudioException("invalid_type", param, "Expected an object with a 'type' for " + param + ".");
        }
        JsonNode type = format.get("type");
        if (type == null || !type.isTextual()) {
            throw new AudioException(
                    "missing_required_parameter", param + ".type", "Missing required parameter: '" + param + ".type'.");
        }
        AudioFormat found = null;
        for (AudioFormat f : values()) {
            if (f.type.equals(type.asText())) {
                found = f;
            }
        }
        if (found == null) {
            throw new AudioException(
                    "invalid_value",
                    param + ".type",
                    "Invalid value: '" + type.asText()
                            + "'. Supported values are: 'audio/pcm', 'audio/pcmu', and 'audio/pcma'.");
        }
        JsonNode rate = format.get("rate");
        if (rate != null && !rate.isNull() && (!rate.canConvertToInt() || rate.asInt() != found.rate)) {
            throw new AudioException(
                    "invalid_value",
                    param + ".rate",
                    "Invalid value: " + rate + ". " + found.type + " supports only rate " + found.rate + ".");
        }
        return found;
    }

    /** The format of a beta name ({@code input_audio_format} / {@code output_audio_format}). */
    public static AudioFormat fromBeta(String name, String param) throws AudioException {
        for (AudioFormat f : values()) {
            if (f.betaName.equals(name)) {
                return f;
            }
        }
        throw new AudioException(
                "invalid_value",
                param,
                "Invalid value: '" + name + "'. Supported values are: 'pcm16', 'g711_ulaw', and 'g711_alaw'.");
    }

    /** Decodes this format's bytes to PCM16 samples at {@link #rate()}. */
    public short[] decode(byte[] bytes) {
        return switch (this) {
            case PCM -> Pcm16.fromBytes(bytes);
            case PCMU -> G711.decodeUlaw(bytes);
            case PCMA -> G711.decodeAlaw(bytes);
        };
    }

    /** Encodes PCM16 samples at {@link #rate()} to this format's bytes. */
    public byte[] encode(short[] samples) {
        return switch (this) {
            case PCM -> Pcm16.toBytes(samples);
            case PCMU -> G711.encodeUlaw(samples);
            case PCMA -> G711.encodeAlaw(samples);
        };
    }

    /**
     * The bytes of a client's base64 {@code audio} field, checked: valid base64, at most 15 MiB, and
     * whole samples.
     *
     * @param param the field, for the error, e.g. {@code audio}
     */
    public byte[] decodeBase64(String base64, String param) throws AudioException {
        if (base64 == null) {
            throw new AudioException(
                    "missing_required_parameter", param, "Missing required parameter: '" + param + "'.");
        }
        // Checked before decoding so an oversized event costs no allocation.
        long approx = (long) base64.length() / 4 * 3;
        if (approx > MAX_AUDIO_BYTES + 2) {
            throw new AudioException("invalid_value", param, "Audio is too large: at most 15 MiB per event.");
        }
        byte[] bytes;
        try {
            bytes = Base64.getDecoder().decode(base64);
        } catch (IllegalArgumentException e) {
            throw new AudioException("invalid_value", param, "Invalid 'audio'. Expected base64-encoded audio bytes.");
        }
        if (bytes.length > MAX_AUDIO_BYTES) {
            throw new AudioException("invalid_value", param, "Audio is too large: at most 15 MiB per event.");
        }
        if (bytes.length % bytesPerSample != 0) {
            throw new AudioException(
                    "invalid_value",
                    param,
                    "Invalid 'audio'. " + type + " is 16-bit PCM: the byte count must be even, got " + bytes.length
                            + ".");
        }
        return bytes;
    }

    /** Base64 of PCM16 samples (at {@link #rate()}) in this format, as a client sends them in an append. */
    public String encodeBase64(short[] samples) {
        return Base64.getEncoder().encodeToString(encode(samples));
    }
}
