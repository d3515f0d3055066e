package dev.agentvoicebox.platform.edge;

import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.Status;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import java.util.function.Predicate;

/**
 * Runs {@link EdgeAuthz#check} before a route. Helidon's request headers are immutable, so the
 * policy's header mutations reach the service as the {@link EdgeIdentity} in the request context:
 * the injected headers are its fields, and the stripped client {@code x-avb-*} headers are simply
 * never read (services use {@link EdgeIdentity#of}).
 */
final class EdgeAuthzFilter implements Filter {
    private final EdgeAuthz authz;
    private final Predicate<String> bypass;

    EdgeAuthzFilter(EdgeAuthz authz, Predicate<String> bypass) {
        this.authz = authz;
        this.bypass = bypass;
    }

    @Override
    public void filter(FilterChain chain, RoutingRequest request, RoutingResponse response) {
        String path = request.path().rawPath();
        if (bypass.test(path)) {
            chain.proceed();
            return;
        }
        String rawQuery = request.query().rawValue();
        String full = rawQuery == null || rawQuery.isEmpty() ? path : path + "?" + rawQuery;
        EdgeDecision decision = authz.check(request.prologue().method().text(), full, request.headers());
        decision.responseHeaders().forEach((name, value) -> response.header(HeaderNames.create(name), value));
        if (!decision.allowed()) {
            response.status(Status.create(decision.status()));
            response.header(HeaderValues.CONTENT_TYPE_JSON);
            response.send(decision.body());
            return;
        }
        request.context().register(EdgeIdentity.class, decision.identity());
        chain.proceed();
    }
}
