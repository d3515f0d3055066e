package dev.agentvoicebox.tts;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentvoicebox.platform.Health;
import dev.agentvoicebox.platform.OpenAiHttp;
import dev.agentvoicebox.platform.Settings;
import dev.agentvoicebox.platform.WorkerService;
import dev.agentvoicebox.protocol.Streams;
import io.helidon.config.Config;
import io.helidon.http.HeaderValues;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.logging.Logger;

/**
 * The worker's object graph: settings → voice catalog and engines → Redis → job consumer → HTTP
 * server with {@code GET /v1/tts/voices} and health.
 */
final class TtsService implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(TtsService.class.getName());

    private final WorkerService worker;

    private TtsService(WorkerService worker) {
        this.worker = worker;
    }

    static TtsService start(Settings settings, Map<String, String> environment) {
        ObjectMapper json = new ObjectMapper();
        VoiceCatalog catalog = catalog(settings);
        Map<String, Engine> engines = engines(settings, environment, json, catalog);
        String voices = voicesJson(json, catalog, engines);
        int chunkMs = settings.getInt("AVB_TTS_CHUNK_MS", "app.tts.chunk-ms", 200);
        WorkerService worker = WorkerService.start(
                settings,
                new WorkerService.Spec("tts", Streams.TTS_JOBS, Streams.TTS_GROUP, 8, 8503),
                redis -> Health.observe(redis, "tts", Map.of("engines", String.join(",", engines.keySet()))),
                routing -> routing.get("/v1/tts/voices", (req, res) -> {
                    res.header(HeaderValues.CONTENT_TYPE_JSON);
                    res.send(voices);
                }),
                context -> new TtsWorker(catalog, engines, context.publisher(), json, context.tracer(), chunkMs));
        return new TtsService(worker);
    }

    static VoiceCatalog catalog(Settings settings) {
        Map<String, String> overrides = new LinkedHashMap<>();
        Config voices = settings.config().get("app.tts.voices");
        voices.asMap()
                .orElse(Map.of())
                .forEach((key, value) -> overrides.put(key.substring(key.lastIndexOf('.') + 1), value));
        settings.find("AVB_TTS_VOICES", "app.tts.voice-overrides")
                .ifPresent(spec -> overrides.putAll(VoiceCatalog.parseOverrides(spec)));
        return VoiceCatalog.of(settings.get("AVB_TTS_ENGINE", "app.tts.engine", "espeak"), overrides);
    }

    /** The engines some catalog voice uses; a local one that cannot run here fails the start. */
    static Map<String, Engine> engines(
            Settings settings, Map<String, String> environment, ObjectMapper json, VoiceCatalog catalog) {
        long timeoutMs = settings.getLong("AVB_TTS_TIMEOUT_MS", "app.tts.timeout-ms", 30_000);
        Map<String, Engine> engines = new LinkedHashMap<>();
        for (String name : catalog.engines()) {
            Engine engine = switch (name) {
                case "espeak" ->
                    new EspeakEngine(settings.get("AVB_ESPEAK_BIN", "app.tts.espeak.binary", "espeak-ng"), timeoutMs);
                case "flite" ->
                    new FliteEngine(
                            settings.get("AVB_FLITE_BIN", "app.tts.flite.binary", "flite"),
                            Path.of(System.getProperty("java.io.tmpdir")),
                            timeoutMs);
                case "freetts" -> new FreeTtsEngine();
                case "openai" -> {
                    String base = settings.find("AVB_TTS_BASE_URL", "app.tts.base-url")
                            .orElseThrow(() ->
                                    new IllegalArgumentException("voices on the openai engine need AVB_TTS_BASE_URL"));
                    Duration timeout = Duration.ofMillis(timeoutMs);
                    yield new OpenAiEngine(
                            OpenAiHttp.client(timeout),
                            json,
                            base,
                            environment.getOrDefault("AVB_TTS_API_KEY", ""),
                            settings.get("AVB_TTS_MODEL", "app.tts.model", "gpt-4o-mini-tts"),
                            timeout);
                }
                default -> throw new IllegalArgumentException("unknown tts engine " + name);
            };
            if (!engine.available()) {
                throw new IllegalStateException(
                        "tts engine " + name + " is not installed here (make tools installs" + " espeak-ng and flite)");
            }
            engines.put(name, engine);
            LOG.info(() ->
                    "tts engine: " + name + (engine instanceof OpenAiEngine o ? " (model " + o.model() + ")" : ""));
        }
        return engines;
    }

    private static String voicesJson(ObjectMapper json, VoiceCatalog catalog, Map<String, Engine> engines) {
        ObjectNode root = json.createObjectNode().put("object", "list");
        ArrayNode data = root.putArray("data");
        for (VoiceCatalog.Voice voice : catalog.all()) {
            data.addObject()
                    .put("id", voice.id())
                    .put("object", "voice")
                    .put("engine", voice.engine())
                    .put("engine_voice", voice.engineVoice());
        }
        return root.toString();
    }

    int port() {
        return worker.port();
    }

    @Override
    public void close() {
        worker.close();
    }
}
