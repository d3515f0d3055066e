package dev.agentvoicebox.gateway;

import dev.agentvoicebox.gateway.audio.VadEngines;
import dev.agentvoicebox.platform.RedisConnections;
import dev.agentvoicebox.platform.Telemetry;
import java.nio.file.Path;
import java.time.Duration;

/** Gateway instances on free ports (plain HTTP) against the shared {@link SecureStack}. */
final class GatewayHarness implements AutoCloseable {
    /** Where make tools puts Silero VAD, seen from this module; the energy VAD stands in without it. */
    static final Path VAD_MODEL =
            Path.of("../..").resolve(VadEngines.DEFAULT_MODEL).normalize();

    final SecureStack stack = SecureStack.shared();
    /** The dev tenant's user key: what the protocol tests open sessions with. */
    final String key = stack.devKey;

    final RedisConnections redis = new RedisConnections(stack.redis.url());
    private final Telemetry telemetry = Telemetry.start("gateway-test");

    Gateway start(
            String instanceId, Duration sessionMax, Duration responseIdle, Duration accessRecheck, int maxSessions) {
        return start(stack.gateway(instanceId, sessionMax, responseIdle, accessRecheck, maxSessions));
    }

    Gateway start(GatewaySettings settings) {
        return new Gateway(settings, telemetry).start();
    }

    Gateway start(String instanceId, Duration sessionMax, Duration responseIdle, Duration accessRecheck) {
        return start(instanceId, sessionMax, responseIdle, accessRecheck, 1000);
    }

    Gateway start(String instanceId, Duration sessionMax, Duration responseIdle) {
        return start(instanceId, sessionMax, responseIdle, Duration.ofSeconds(30));
    }

    Gateway start(String instanceId) {
        return start(instanceId, Duration.ofHours(1), Duration.ofSeconds(30));
    }

    @Override
    public void close() {
        redis.close();
        telemetry.close();
    }
}
