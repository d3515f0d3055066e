package dev.agentvoicebox.platform;

import io.helidon.health.HealthCheckResponse;
import io.helidon.health.HealthCheckType;
import io.helidon.webserver.observe.ObserveFeature;
import io.helidon.webserver.observe.health.HealthObserver;
import java.util.Map;

/** {@code /observe/health}: ready when Redis answers, since no service works without it. */
public final class Health {
    private Health() {}

    public static ObserveFeature observe(RedisConnections redis) {
        return observe(redis, "redis", Map.of());
    }

    /** @param details what else the check reports, e.g. the engine a worker runs */
    public static ObserveFeature observe(RedisConnections redis, String check, Map<String, String> details) {
        return ObserveFeature.just(HealthObserver.builder()
                .details(true)
                .useSystemServices(false)
                .addCheck(
                        () -> {
                            boolean up = redis.healthy();
                            HealthCheckResponse.Builder response = HealthCheckResponse.builder()
                                    .status(up)
                                    .detail("redis", up ? "reachable" : "unreachable");
                            details.forEach(response::detail);
                            return response.build();
                        },
                        HealthCheckType.READINESS,
                        check)
                .build());
    }
}
