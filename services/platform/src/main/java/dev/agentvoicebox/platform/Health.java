package dev.agentvoicebox.platform;

import io.helidon.health.HealthCheckResponse;
import io.helidon.health.HealthCheckType;
import io.helidon.webserver.observe.ObserveFeature;
import io.helidon.webserver.observe.health.HealthObserver;

/** {@code /observe/health}: ready when Redis answers, since no service works without it. */
public final class Health {
    private Health() {
    }

    public static ObserveFeature observe(RedisConnections redis) {
        return ObserveFeature.just(HealthObserver.builder()
                .details(true)
                .useSystemServices(false)
                .addCheck(() -> {
                    boolean up = redis.healthy();
                    return HealthCheckResponse.builder()
                            .status(up)
                            .detail("redis", up ? "reachable" : "unreachable")
                            .build();
                }, HealthCheckType.READINESS, "redis")
                .build());
    }
}
