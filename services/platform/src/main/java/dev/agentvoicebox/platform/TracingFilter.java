package dev.agentvoicebox.platform;

import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;

/**
 * A server span per HTTP request (WebSocket upgrades included), child of the caller's W3C
 * {@code traceparent}, with the HTTP semantic-convention attributes. Helidon's own tracing
 * provider is not served for 4.5, so the SDK is used directly.
 */
public final class TracingFilter implements Filter {
    private final Tracer tracer;

    public TracingFilter(Tracer tracer) {
        this.tracer = tracer;
    }

    @Override
    public void filter(FilterChain chain, RoutingRequest request, RoutingResponse response) {
        Context parent = Telemetry.extract(
                request.headers().first(HeaderNames.create("traceparent")).orElse(""),
                request.headers().first(HeaderNames.create("tracestate")).orElse(""));
        String method = request.prologue().method().text();
        Span span = tracer.spanBuilder(method)
                .setParent(parent)
                .setSpanKind(SpanKind.SERVER)
                .setAttribute("http.request.method", method)
                .setAttribute("url.path", request.path().path())
                .setAttribute("url.scheme", request.isSecure() ? "https" : "http")
                .startSpan();
        try (Scope ignored = span.makeCurrent()) {
            chain.proceed();
        } catch (RuntimeException e) {
            span.recordException(e);
            span.setStatus(StatusCode.ERROR);
            throw e;
        } finally {
            int status = response.status().code();
            span.setAttribute("http.response.status_code", status);
            if (status >= 500) {
                span.setStatus(StatusCode.ERROR);
            }
            span.end();
        }
    }
}
