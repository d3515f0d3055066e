package dev.agentvoicebox.gateway;

import java.nio.file.Path;
import java.time.Duration;

import dev.agentvoicebox.gateway.audio.VadEngines;

import dev.agentvoicebox.platform.RedisConnections;
import dev.agentvoicebox.platform.Telemetry;
import dev.agentvoicebox.platform.testing.RedisServer;

/** A real Redis and one or more gateway instances on free ports, plain HTTP. */
final class GatewayHarness implements AutoCloseable {
    static final String KEY = "sk-avb-test-0123456789abcdef";
    /** Where make tools puts Silero VAD, seen from this module; the energy VAD stands in without it. */
    static final Path VAD_MODEL = Path.of("../..").resolve(VadEngines.DEFAULT_MODEL).normalize();

    final RedisServer redisServer = RedisServer.start();
    final RedisConnections redis = new RedisConnections(redisServer.url());
    private final Telemetry telemetry = Telemetry.start("gateway-test");

    Gateway start(String instanceId, Duration sessionMax, Duration responseIdle) {
        GatewaySettings settings = new GatewaySettings("127.0.0.1", 0, null, null, redisServer.url(), KEY,
                instanceId, "gpt-realtime", sessionMax, responseIdle, new RateLimits(600, 200_000), VAD_MODEL);
        return new Gateway(settings, telemetry).start();
    }

    Gateway start(String instanceId) {
        return start(instanceId, Duration.ofHours(1), Duration.ofSeconds(30));
    }

    @Override
    public void close() {
        redis.close();
        telemetry.close();
        redisServer.close();
    }
}
