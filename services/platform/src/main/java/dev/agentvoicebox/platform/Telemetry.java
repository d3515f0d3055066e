package dev.agentvoicebox.platform;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.AutoConfiguredOpenTelemetrySdk;
import io.opentelemetry.sdk.trace.ReadWriteSpan;
import io.opentelemetry.sdk.trace.ReadableSpan;
import io.opentelemetry.sdk.trace.SpanProcessor;
import java.util.Map;

/**
 * The OpenTelemetry SDK configured from the standard {@code OTEL_*} variables. Exporters default to
 * none so a service runs without a collector; setting {@code OTEL_TRACES_EXPORTER=otlp} (and the
 * endpoint) turns export on without code changes.
 */
public final class Telemetry implements AutoCloseable {
    private static final TextMapPropagator PROPAGATOR = W3CTraceContextPropagator.getInstance();
    private static final TextMapGetter<Map<String, String>> MAP_GETTER = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Map<String, String> carrier) {
            return carrier.keySet();
        }

        @Override
        public String get(Map<String, String> carrier, String key) {
            return carrier == null ? null : carrier.get(key);
        }
    };

    private final OpenTelemetrySdk sdk;
    private final Tracer tracer;

    private Telemetry(OpenTelemetrySdk sdk, String serviceName) {
        this.sdk = sdk;
        this.tracer = sdk.getTracer("dev.agentvoicebox." + serviceName);
    }

    public static Telemetry start(String serviceName) {
        OpenTelemetrySdk sdk = AutoConfiguredOpenTelemetrySdk.builder()
                .addPropertiesSupplier(() -> Map.of(
                        "otel.service.name", serviceName,
                        "otel.traces.exporter", "none",
                        "otel.metrics.exporter", "none",
                        "otel.logs.exporter", "none"))
                // Without an exporter the SDK would hand out invalid span contexts; a processor that
                // keeps nothing still makes it mint ids, so traceparent flows through every hop.
                .addTracerProviderCustomizer((builder, config) -> builder.addSpanProcessor(new IdOnlyProcessor()))
                .disableShutdownHook()
                .build()
                .getOpenTelemetrySdk();
        return new Telemetry(sdk, serviceName);
    }

    public OpenTelemetry openTelemetry() {
        return sdk;
    }

    public Tracer tracer() {
        return tracer;
    }

    /** The parent context named by W3C {@code traceparent}/{@code tracestate} values (either may be empty). */
    public static Context extract(String traceparent, String tracestate) {
        if (traceparent == null || traceparent.isEmpty()) {
            return Context.root();
        }
        Map<String, String> carrier = tracestate == null || tracestate.isEmpty()
                ? Map.of("traceparent", traceparent)
                : Map.of("traceparent", traceparent, "tracestate", tracestate);
        return PROPAGATOR.extract(Context.root(), carrier, MAP_GETTER);
    }

    /** The W3C header values for a span, for stream envelopes. */
    public static TraceHeaders headers(Span span) {
        Map<String, String> carrier = new java.util.HashMap<>();
        PROPAGATOR.inject(Context.root().with(span), carrier, Map::put);
        return new TraceHeaders(carrier.getOrDefault("traceparent", ""), carrier.getOrDefault("tracestate", ""));
    }

    @Override
    public void close() {
        sdk.close();
    }

    public record TraceHeaders(String traceparent, String tracestate) {}

    private static final class IdOnlyProcessor implements SpanProcessor {
        @Override
        public void onStart(Context parentContext, ReadWriteSpan span) {}

        @Override
        public boolean isStartRequired() {
            return false;
        }

        @Override
        public void onEnd(ReadableSpan span) {}

        @Override
        public boolean isEndRequired() {
            return false;
        }
    }
}
