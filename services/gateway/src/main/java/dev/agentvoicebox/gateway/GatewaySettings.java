package dev.agentvoicebox.gateway;

import dev.agentvoicebox.gateway.audio.VadEngines;
import dev.agentvoicebox.platform.Settings;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;

/** The gateway's settings, each from its {@code AVB_*} variable or {@code app.*} in application.yaml. */
public record GatewaySettings(
        String host,
        int port,
        String tlsCert,
        String tlsKey,
        String redisUrl,
        String instanceId,
        String defaultModel,
        Duration sessionMaxDuration,
        Duration responseIdleTimeout,
        Path vadModel,
        String edgeMode,
        String opaGrpc,
        URI opaUrl,
        URI tenantsUrl,
        Path trustedCa,
        Duration accessRecheck,
        long itemAudioBytes,
        int maxSessions,
        long gatewayItemAudioBytes,
        long inputAudioBytes,
        int mailboxEvents,
        long mailboxBytes) {

    public static GatewaySettings from(Settings s) {
        return new GatewaySettings(
                s.get("AVB_GATEWAY_HOST", "server.host", "127.0.0.1"),
                s.getInt("AVB_GATEWAY_PORT", "server.port", 8443),
                s.find("AVB_TLS_CERT", "app.tls.cert").orElse(null),
                s.find("AVB_TLS_KEY", "app.tls.key").orElse(null),
                s.get("AVB_REDIS_URL", "app.redis.url", "redis://127.0.0.1:6390"),
                s.get(
                        "AVB_GATEWAY_INSTANCE_ID",
                        "app.instance-id",
                        "gw-" + UUID.randomUUID().toString().substring(0, 8)),
                s.get("AVB_DEFAULT_MODEL", "app.default-model", "gpt-realtime"),
                Duration.ofSeconds(s.getLong("AVB_SESSION_MAX_SECONDS", "app.session.max-seconds", 3600)),
                Duration.ofMillis(s.getLong("AVB_RESPONSE_IDLE_TIMEOUT_MS", "app.response.idle-timeout-ms", 35_000)),
                Path.of(s.get("AVB_VAD_MODEL", "app.vad.model", VadEngines.DEFAULT_MODEL.toString())),
                s.get("AVB_EDGE_AUTHZ", "app.edge.authz", "self"),
                s.get("AVB_OPA_GRPC", "app.opa.grpc", "127.0.0.1:9191"),
                URI.create(s.get("AVB_OPA_URL", "app.opa.url", "http://127.0.0.1:8181")),
                URI.create(s.get("AVB_TENANTS_URL", "app.tenants.url", "https://127.0.0.1:8444")),
                s.find("AVB_TLS_CA", "app.tls.ca").map(Path::of).orElse(null),
                Duration.ofSeconds(s.getLong("AVB_ACCESS_RECHECK_SECONDS", "app.access.recheck-seconds", 30)),
                s.getLong("AVB_SESSION_ITEM_AUDIO_BYTES", "app.session.item-audio-bytes", 16L * 1024 * 1024),
                s.getInt("AVB_GATEWAY_MAX_SESSIONS", "app.max-sessions", 1000),
                s.getLong("AVB_GATEWAY_ITEM_AUDIO_BYTES", "app.item-audio-bytes", 512L * 1024 * 1024),
                s.getLong("AVB_SESSION_INPUT_AUDIO_BYTES", "app.session.input-audio-bytes", 32L * 1024 * 1024),
                s.getInt("AVB_SESSION_MAILBOX_EVENTS", "app.session.mailbox-events", 64),
                s.getLong("AVB_SESSION_MAILBOX_BYTES", "app.session.mailbox-bytes", 16L * 1024 * 1024));
    }

    public boolean tls() {
        return tlsCert != null && tlsKey != null;
    }
}
