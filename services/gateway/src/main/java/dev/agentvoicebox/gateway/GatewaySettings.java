package dev.agentvoicebox.gateway;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;

import dev.agentvoicebox.gateway.audio.VadEngines;
import dev.agentvoicebox.platform.Settings;

/** The gateway's settings, each from its {@code AVB_*} variable or {@code app.*} in application.yaml. */
public record GatewaySettings(
        String host,
        int port,
        String tlsCert,
        String tlsKey,
        String redisUrl,
        String devApiKey,
        String instanceId,
        String defaultModel,
        Duration sessionMaxDuration,
        Duration responseIdleTimeout,
        RateLimits rateLimits,
        Path vadModel) {

    public static GatewaySettings from(Settings s) {
        return new GatewaySettings(
                s.get("AVB_GATEWAY_HOST", "server.host", "127.0.0.1"),
                s.getInt("AVB_GATEWAY_PORT", "server.port", 8443),
                s.find("AVB_TLS_CERT", "app.tls.cert").orElse(null),
                s.find("AVB_TLS_KEY", "app.tls.key").orElse(null),
                s.get("AVB_REDIS_URL", "app.redis.url", "redis://127.0.0.1:6390"),
                s.find("AVB_DEV_API_KEY", "app.dev-api-key")
                        .orElseGet(() -> readKey(s.get("AVB_DEV_API_KEY_FILE", "app.dev-api-key-file", ".avb/dev-api-key"))),
                s.get("AVB_GATEWAY_INSTANCE_ID", "app.instance-id", "gw-" + UUID.randomUUID().toString().substring(0, 8)),
                s.get("AVB_DEFAULT_MODEL", "app.default-model", "gpt-realtime"),
                Duration.ofSeconds(s.getLong("AVB_SESSION_MAX_SECONDS", "app.session.max-seconds", 3600)),
                Duration.ofMillis(s.getLong("AVB_RESPONSE_IDLE_TIMEOUT_MS", "app.response.idle-timeout-ms", 35_000)),
                new RateLimits(s.getLong("AVB_LIMIT_REQUESTS_PER_MINUTE", "app.limits.requests-per-minute", 600),
                        s.getLong("AVB_LIMIT_TOKENS_PER_MINUTE", "app.limits.tokens-per-minute", 200_000)),
                Path.of(s.get("AVB_VAD_MODEL", "app.vad.model", VadEngines.DEFAULT_MODEL.toString())));
    }

    public boolean tls() {
        return tlsCert != null && tlsKey != null;
    }

    private static String readKey(String file) {
        try {
            return Files.readString(Path.of(file)).trim();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the dev API key from " + file
                    + " (make run creates it; or set AVB_DEV_API_KEY_FILE)", e);
        }
    }

    @Override
    public String toString() {
        // The key must never reach a log line.
        return "GatewaySettings[" + host + ":" + port + ", tls=" + tls() + ", redis=" + redisUrl
                + ", instance=" + instanceId + "]";
    }
}
