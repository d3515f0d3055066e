package dev.agentvoicebox.stt;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.logging.Logger;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.agentvoicebox.platform.JobConsumer;
import dev.agentvoicebox.platform.OpenAiHttp;
import dev.agentvoicebox.platform.RedisConnections;
import dev.agentvoicebox.platform.Settings;
import dev.agentvoicebox.platform.StreamPublisher;
import dev.agentvoicebox.platform.Telemetry;
import dev.agentvoicebox.protocol.Streams;

import io.helidon.health.HealthCheckResponse;
import io.helidon.health.HealthCheckType;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.observe.ObserveFeature;
import io.helidon.webserver.observe.health.HealthObserver;

/** The worker's object graph: settings → engine → Redis → job consumer → health server. */
final class SttService implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(SttService.class.getName());

    private final Telemetry telemetry;
    private final RedisConnections redis;
    private final JobConsumer consumer;
    private final WebServer server;
    private final Engine engine;

    private SttService(Telemetry telemetry, RedisConnections redis, JobConsumer consumer, WebServer server, Engine engine) {
        this.telemetry = telemetry;
        this.redis = redis;
        this.consumer = consumer;
        this.server = server;
        this.engine = engine;
    }

    /** @param environment where the API key is read ({@code AVB_STT_API_KEY}) */
    static SttService start(Settings settings, Map<String, String> environment) {
        ObjectMapper json = new ObjectMapper();
        Engine engine = engine(settings, environment, json);
        LOG.info(() -> "stt engine: " + engine.name()
                + (engine instanceof OpenAiEngine o ? " (model " + o.model() + ")" : ""));
        Telemetry telemetry = Telemetry.start("stt");
        RedisConnections redis = new RedisConnections(settings.get("AVB_REDIS_URL", "app.redis.url", "redis://127.0.0.1:6390"));
        String workerId = settings.get("AVB_WORKER_ID", "app.worker-id", defaultWorkerId());
        JobConsumer.Options options = JobConsumer.Options.defaults()
                .withConcurrency(settings.getInt("AVB_STT_CONCURRENCY", "app.stt.concurrency", 4))
                .withShutdownGrace(Duration.ofMillis(settings.getLong("AVB_STT_SHUTDOWN_GRACE_MS", "app.stt.shutdown-grace-ms", 10_000)));
        SttWorker worker = new SttWorker(engine, redis, new StreamPublisher(redis.shared()), json, telemetry.tracer());
        JobConsumer consumer = new JobConsumer(redis, Streams.STT_JOBS, Streams.STT_GROUP, workerId, worker, null, options);
        consumer.start();

        HealthObserver health = HealthObserver.builder()
                .details(true)
                .useSystemServices(false)
                .addCheck(() -> HealthCheckResponse.builder()
                        .status(redis.healthy())
                        .detail("redis", redis.healthy() ? "reachable" : "unreachable")
                        .detail("engine", engine.name())
                        .build(), HealthCheckType.READINESS, "stt")
                .build();
        WebServer server = WebServer.builder()
                .config(settings.config().get("server"))
                .host(settings.get("AVB_STT_HOST", "server.host", "127.0.0.1"))
                .port(settings.getInt("AVB_STT_PORT", "server.port", 8502))
                .featuresDiscoverServices(false)
                .addFeature(ObserveFeature.just(health))
                .build()
                .start();
        LOG.info(() -> "stt worker " + workerId + " health on http://" + server.prototype().host() + ":" + server.port()
                + "/observe/health");
        return new SttService(telemetry, redis, consumer, server, engine);
    }

    static Engine engine(Settings settings, Map<String, String> environment, ObjectMapper json) {
        String choice = settings.get("AVB_STT_ENGINE", "app.stt.engine", "auto");
        var baseUrl = settings.find("AVB_STT_BASE_URL", "app.stt.base-url");
        long timeoutMs = settings.getLong("AVB_STT_TIMEOUT_MS", "app.stt.timeout-ms", 30_000);
        if (choice.equals("openai") || (choice.equals("auto") && baseUrl.isPresent())) {
            String base = baseUrl.orElseThrow(() -> new IllegalArgumentException("AVB_STT_ENGINE=openai needs AVB_STT_BASE_URL"));
            Duration timeout = Duration.ofMillis(timeoutMs);
            return new OpenAiEngine(OpenAiHttp.client(timeout), json, base, environment.getOrDefault("AVB_STT_API_KEY", ""),
                    settings.get("AVB_STT_MODEL", "app.stt.model", "whisper-1"), timeout);
        }
        if (!choice.equals("auto") && !choice.equals("pocketsphinx")) {
            throw new IllegalArgumentException("AVB_STT_ENGINE must be auto, pocketsphinx or openai, got " + choice);
        }
        String modelDir = settings.get("AVB_POCKETSPHINX_MODEL_DIR", "app.stt.pocketsphinx.model-dir", "");
        PocketsphinxEngine pocketsphinx = new PocketsphinxEngine(
                settings.get("AVB_POCKETSPHINX_BIN", "app.stt.pocketsphinx.binary", "pocketsphinx_continuous"),
                modelDir.isEmpty() ? null : Path.of(modelDir),
                Path.of(System.getProperty("java.io.tmpdir")), timeoutMs);
        pocketsphinx.check();
        return pocketsphinx;
    }

    private static String defaultWorkerId() {
        String host = System.getenv().getOrDefault("HOSTNAME", "local");
        return "stt-" + host + "-" + ManagementFactory.getRuntimeMXBean().getPid() + "-"
                + UUID.randomUUID().toString().substring(0, 8);
    }

    int port() {
        return server.port();
    }

    Engine engine() {
        return engine;
    }

    @Override
    public void close() {
        consumer.close();
        server.stop();
        redis.close();
        telemetry.close();
    }
}
