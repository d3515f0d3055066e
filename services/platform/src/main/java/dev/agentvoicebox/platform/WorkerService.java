package dev.agentvoicebox.platform;

import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.observe.ObserveFeature;
import io.opentelemetry.api.trace.Tracer;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.Locale;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.logging.Logger;

/**
 * What runs around every worker's job handler: telemetry, Redis, one job consumer and an HTTP server
 * with {@code /observe/health}. The settings carry the worker's name, e.g. for {@code stt}
 * {@code AVB_STT_CONCURRENCY}, {@code AVB_STT_SHUTDOWN_GRACE_MS}, {@code AVB_STT_HOST} and
 * {@code AVB_STT_PORT} (or {@code app.stt.concurrency}, {@code app.stt.shutdown-grace-ms},
 * {@code server.host}, {@code server.port}), so the operator sees one naming across workers.
 */
public final class WorkerService implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(WorkerService.class.getName());

    /**
     * @param name        {@code llm}, {@code stt} or {@code tts}: telemetry service, settings and worker id
     * @param concurrency default jobs at once
     * @param port        default HTTP port
     */
    public record Spec(String name, String jobs, String group, int concurrency, int port) {}

    /** What a job handler may need from the running worker. */
    public record Context(Tracer tracer, RedisConnections redis, StreamPublisher publisher) {}

    private final Telemetry telemetry;
    private final RedisConnections redis;
    private final JobConsumer consumer;
    private final WebServer server;

    private WorkerService(Telemetry telemetry, RedisConnections redis, JobConsumer consumer, WebServer server) {
        this.telemetry = telemetry;
        this.redis = redis;
        this.consumer = consumer;
        this.server = server;
    }

    /**
     * @param health the readiness check, usually {@link Health#observe}
     * @param routes the worker's own HTTP routes beside health
     */
    public static WorkerService start(
            Settings settings,
            Spec spec,
            Function<RedisConnections, ObserveFeature> health,
            Consumer<HttpRouting.Builder> routes,
            Function<Context, JobConsumer.Handler> handler) {
        String name = spec.name();
        String env = "AVB_" + name.toUpperCase(Locale.ROOT);
        Telemetry telemetry = Telemetry.start(name);
        RedisConnections redis =
                new RedisConnections(settings.get("AVB_REDIS_URL", "app.redis.url", "redis://127.0.0.1:6390"));
        String workerId = settings.get("AVB_WORKER_ID", "app.worker-id", defaultWorkerId(name));
        JobConsumer.Options options = JobConsumer.Options.defaults()
                .withConcurrency(
                        settings.getInt(env + "_CONCURRENCY", "app." + name + ".concurrency", spec.concurrency()))
                .withShutdownGrace(Duration.ofMillis(
                        settings.getLong(env + "_SHUTDOWN_GRACE_MS", "app." + name + ".shutdown-grace-ms", 10_000)));
        JobConsumer.Handler jobs =
                handler.apply(new Context(telemetry.tracer(), redis, new StreamPublisher(redis.shared())));
        JobConsumer consumer = new JobConsumer(redis, spec.jobs(), spec.group(), workerId, jobs, null, options);
        consumer.start();

        WebServer server = WebServer.builder()
                .config(settings.config().get("server"))
                .host(settings.get(env + "_HOST", "server.host", "127.0.0.1"))
                .port(settings.getInt(env + "_PORT", "server.port", spec.port()))
                .featuresDiscoverServices(false)
                .addFeature(health.apply(redis))
                .routing(routes)
                .build()
                .start();
        LOG.info(() -> name + " worker " + workerId + " health on http://"
                + server.prototype().host() + ":" + server.port() + "/observe/health");
        return new WorkerService(telemetry, redis, consumer, server);
    }

    private static String defaultWorkerId(String name) {
        String host = System.getenv().getOrDefault("HOSTNAME", "local");
        return name + "-" + host + "-" + ManagementFactory.getRuntimeMXBean().getPid() + "-"
                + UUID.randomUUID().toString().substring(0, 8);
    }

    public int port() {
        return server.port();
    }

    public JobConsumer consumer() {
        return consumer;
    }

    @Override
    public void close() {
        consumer.close();
        server.stop();
        redis.close();
        telemetry.close();
    }
}
