package dev.agentvoicebox.gateway;

import java.nio.file.Path;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import dev.agentvoicebox.gateway.audio.VadEngine;
import dev.agentvoicebox.gateway.audio.VadEngines;
import dev.agentvoicebox.platform.Health;
import dev.agentvoicebox.platform.RedisConnections;
import dev.agentvoicebox.platform.Telemetry;

import io.helidon.common.configurable.Resource;
import io.helidon.common.tls.Tls;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.websocket.WsConfig;
import io.helidon.webserver.websocket.WsRouting;

/** The gateway's object graph: what {@link Main} builds and tests start on a free port. */
public final class Gateway implements AutoCloseable {
    private final GatewaySettings settings;
    private final Telemetry telemetry;
    private final RedisConnections redis;
    private final SessionStore store;
    private final Authenticator authenticator;
    private final SessionRegistry registry = new SessionRegistry();
    private final ScheduledExecutorService timers;
    private final ResultReader results;
    private final RealtimeSession.Wiring wiring;
    private final VadEngine vadEngine;
    private WebServer server;

    public Gateway(GatewaySettings settings, Telemetry telemetry) {
        this.settings = settings;
        this.telemetry = telemetry;
        this.redis = new RedisConnections(settings.redisUrl());
        this.store = new SessionStore(redis.shared());
        this.authenticator = new Authenticator(settings.devApiKey(), redis.shared());
        this.timers = Executors.newScheduledThreadPool(1, Thread.ofVirtual().name("gateway-timers").factory());
        this.results = new ResultReader(redis, registry, settings.instanceId());
        this.vadEngine = VadEngines.load(settings.vadModel());
        this.wiring = new RealtimeSession.Wiring(store, new Workers(redis.shared()), timers,
                telemetry.tracer(), settings.instanceId(), settings.rateLimits(), settings.sessionMaxDuration(),
                settings.responseIdleTimeout(), vadEngine);
        timers.scheduleAtFixedRate(this::heartbeat, 10, 10, TimeUnit.SECONDS);
    }

    public Gateway start() {
        WebServerConfig.Builder builder = WebServer.builder()
                .host(settings.host())
                .port(settings.port())
                .shutdownHook(false)
                .addProtocol(WsConfig.builder().name("websocket")
                        // Above the 15 MiB event cap, so an oversized event gets an error event, not a drop.
                        .maxFrameLength(RealtimeEndpoint.MAX_EVENT_BYTES + 1024 * 1024).build())
                .addFeature(Health.observe(redis))
                .routing(routing -> Main.routing(routing, this))
                .addRouting(WsRouting.builder().endpoint("/v1/realtime", () -> new RealtimeEndpoint(this)));
        if (settings.tls()) {
            builder.tls(Tls.builder()
                    .privateKey(key -> key.pem(pem -> pem.key(Resource.create(Path.of(settings.tlsKey())))))
                    .privateKeyCertChain(key -> key.pem(pem -> pem.certChain(Resource.create(Path.of(settings.tlsCert())))))
                    .build());
        }
        server = builder.build().start();
        return this;
    }

    public int port() {
        return server.port();
    }

    public GatewaySettings settings() {
        return settings;
    }

    public Authenticator authenticator() {
        return authenticator;
    }

    public SessionRegistry registry() {
        return registry;
    }

    public SessionStore store() {
        return store;
    }

    io.opentelemetry.api.trace.Tracer tracer() {
        return telemetry.tracer();
    }

    public RedisConnections redis() {
        return redis;
    }

    RealtimeSession.Wiring sessionWiring() {
        return wiring;
    }

    private void heartbeat() {
        registry.all().forEach(RealtimeSession::heartbeat);
        redis.shared().async().expire(results.stream(), 120);
    }

    /** Ends every session with 1001 so clients reconnect elsewhere, then stops. */
    @Override
    public void close() {
        registry.all().forEach(session -> session.cancelSession("the gateway is shutting down", 1001));
        if (server != null) {
            server.stop();
        }
        results.close();
        timers.shutdownNow();
        vadEngine.close();
        redis.close();
    }
}
