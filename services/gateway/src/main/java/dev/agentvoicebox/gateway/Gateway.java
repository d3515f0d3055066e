package dev.agentvoicebox.gateway;

import dev.agentvoicebox.gateway.access.Access;
import dev.agentvoicebox.gateway.access.DirectoryWatch;
import dev.agentvoicebox.gateway.access.TenantsClient;
import dev.agentvoicebox.gateway.access.Trust;
import dev.agentvoicebox.gateway.audio.VadEngine;
import dev.agentvoicebox.gateway.audio.VadEngines;
import dev.agentvoicebox.gateway.conversation.ItemAudio;
import dev.agentvoicebox.gateway.realtime.RealtimeEndpoint;
import dev.agentvoicebox.gateway.realtime.RealtimeSession;
import dev.agentvoicebox.gateway.realtime.ResultReader;
import dev.agentvoicebox.gateway.realtime.SessionRegistry;
import dev.agentvoicebox.platform.RedisConnections;
import dev.agentvoicebox.platform.Servers;
import dev.agentvoicebox.platform.Telemetry;
import dev.agentvoicebox.platform.auth.KeyVerifier;
import dev.agentvoicebox.platform.auth.Revocations;
import dev.agentvoicebox.platform.edge.EdgeAuthz;
import dev.agentvoicebox.platform.limits.RateLimiter;
import dev.agentvoicebox.platform.policy.SessionPolicy;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.websocket.WsConfig;
import io.helidon.webserver.websocket.WsRouting;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/** The gateway's object graph: what {@link Main} builds and tests start on a free port. */
public final class Gateway implements AutoCloseable {
    private final GatewaySettings settings;
    private final Telemetry telemetry;
    private final RedisConnections redis;
    private final SessionStore store;
    private final Access access;
    private final TenantsClient tenants;
    private final SessionRegistry registry = new SessionRegistry();
    private final ScheduledExecutorService timers;
    private final ResultReader results;
    private final SessionWiring wiring;
    private final VadEngine vadEngine;
    private final DirectoryWatch directoryWatch;
    private WebServer server;

    public Gateway(GatewaySettings settings, Telemetry telemetry) {
        this.settings = settings;
        this.telemetry = telemetry;
        this.redis = new RedisConnections(settings.redisUrl());
        this.store = new SessionStore(redis.shared());
        HttpClient http = Trust.httpClient(settings.trustedCa());
        this.access = new Access(
                edge(settings),
                KeyVerifier.fromJwksUrl(
                        settings.tenantsUrl().resolve("/.well-known/jwks.json"),
                        Trust.sslContext(settings.trustedCa()),
                        Revocations.redis(redis.shared())),
                Revocations.redis(redis.shared()),
                new SessionPolicy(
                        settings.opaUrl(), http, Duration.ofSeconds(60), Duration.ofSeconds(5), Clock.systemUTC()),
                new RateLimiter(redis.shared(), Clock.systemUTC()));
        this.tenants = new TenantsClient(settings.tenantsUrl(), http);
        this.timers = Executors.newScheduledThreadPool(
                1, Thread.ofVirtual().name("gateway-timers").factory());
        this.results = new ResultReader(redis, registry, settings.instanceId());
        this.vadEngine = VadEngines.load(settings.vadModel());
        this.wiring = new SessionWiring(
                store,
                new Workers(redis.shared()),
                timers,
                telemetry.tracer(),
                settings.instanceId(),
                settings.sessionMaxDuration(),
                settings.responseIdleTimeout(),
                vadEngine,
                access,
                settings.accessRecheck(),
                new SessionBudgets(
                        new ItemAudio.Pool(settings.gatewayItemAudioBytes(), settings.itemAudioBytes()),
                        settings.inputAudioBytes(),
                        settings.mailboxEvents(),
                        settings.mailboxBytes()));
        this.directoryWatch = new DirectoryWatch(redis, registry);
        timers.scheduleAtFixedRate(this::heartbeat, 10, 10, TimeUnit.SECONDS);
        // Redis may have come back empty: sessions find out now whether it still holds them.
        redis.onReconnected(this::heartbeat);
    }

    public Gateway start() {
        server = Servers.listener(settings.host(), settings.port(), redis, settings.tlsCert(), settings.tlsKey())
                .addProtocol(WsConfig.builder()
                        .name("websocket")
                        // Above the 15 MiB event cap, so an oversized event gets an error event, not a drop.
                        .maxFrameLength(RealtimeEndpoint.MAX_EVENT_BYTES + 1024 * 1024)
                        .build())
                .routing(routing -> Main.routing(routing, this))
                .addRouting(WsRouting.builder().endpoint("/v1/realtime", () -> new RealtimeEndpoint(this)))
                .build()
                .start();
        return this;
    }

    public int port() {
        return server.port();
    }

    public GatewaySettings settings() {
        return settings;
    }

    public Access access() {
        return access;
    }

    public TenantsClient tenants() {
        return tenants;
    }

    private static EdgeAuthz edge(GatewaySettings settings) {
        if ("mesh".equals(settings.edgeMode())) {
            return EdgeAuthz.mesh();
        }
        if (!"self".equals(settings.edgeMode())) {
            throw new IllegalArgumentException("AVB_EDGE_AUTHZ must be self or mesh, not " + settings.edgeMode());
        }
        String[] grpc = settings.opaGrpc().split(":");
        return EdgeAuthz.self(grpc[0], Integer.parseInt(grpc[1]), Duration.ofSeconds(2));
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

    public SessionWiring sessionWiring() {
        return wiring;
    }

    private void heartbeat() {
        registry.all().forEach(RealtimeSession::heartbeat);
        redis.shared().async().expire(results.stream(), 120);
    }

    /** Ends every session with 1001 so clients reconnect elsewhere, then stops. */
    @Override
    public void close() {
        List<RealtimeSession> live = List.copyOf(registry.all());
        live.forEach(session -> session.cancelSession("the gateway is shutting down", 1001));
        // Sessions release their Redis state and leases on their way out: Redis closes after them.
        for (RealtimeSession session : live) {
            try {
                session.awaitEnded(Duration.ofSeconds(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        if (server != null) {
            server.stop();
        }
        directoryWatch.close();
        results.close();
        timers.shutdownNow();
        vadEngine.close();
        access.close();
        redis.close();
    }
}
