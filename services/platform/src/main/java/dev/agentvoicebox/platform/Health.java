package dev.agentvoicebox.platform;

import io.helidon.health.HealthCheckResponse;
import io.helidon.health.HealthCheckType;
import io.helidon.webserver.observe.ObserveFeature;
import io.helidon.webserver.observe.health.HealthObserver;
import java.util.Map;
import java.util.Optional;

/**
 * {@code /observe/health} (and {@code /observe/health/ready}): ready when Redis answers, since no
 * service works without it. While it does not, the check is DOWN with the client's reason in
 * {@code error}; it is UP again as soon as the connection is back.
 */
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
                            Optional<String> problem = redis.problem();
                            HealthCheckResponse.Builder response = HealthCheckResponse.builder()
                                    .status(problem.isEmpty())
                                    .detail("redis", problem.isEmpty() ? "reachable" : "unreachable");
                            problem.ifPresent(reason -> response.detail("error", reason));
                            details.forEach(response::detail);
                            return response.build();
                        },
                        HealthCheckType.READINESS,
                        check)
                .build());
    }
}
