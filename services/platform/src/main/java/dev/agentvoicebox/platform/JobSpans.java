package dev.agentvoicebox.platform;

import dev.agentvoicebox.protocol.Envelope;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;

/** A job's span continues the gateway's trace from the envelope, so one response is one trace. */
public final class JobSpans {
    private JobSpans() {}

    /** The span of one job attempt, with the attributes every worker records; callers add their own. */
    public static SpanBuilder builder(Tracer tracer, String name, Envelope envelope) {
        return tracer.spanBuilder(name)
                .setParent(Telemetry.extract(envelope.traceparent(), envelope.tracestate()))
                .setSpanKind(SpanKind.CLIENT)
                .setAttribute("avb.tenant_id", envelope.tenantId())
                .setAttribute("avb.session_id", envelope.sessionId())
                .setAttribute("avb.attempt", (long) envelope.attempt());
    }

    public static void failed(Span span, JobException e) {
        span.setStatus(StatusCode.ERROR, e.code());
        span.setAttribute("error.type", e.code());
    }
}
