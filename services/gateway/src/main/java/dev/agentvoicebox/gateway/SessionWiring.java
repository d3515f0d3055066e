package dev.agentvoicebox.gateway;

import dev.agentvoicebox.gateway.access.Access;
import dev.agentvoicebox.gateway.audio.VadEngine;
import io.opentelemetry.api.trace.Tracer;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;

/** What every session needs from the process around it. */
public record SessionWiring(
        SessionStore store,
        Workers workers,
        ScheduledExecutorService timers,
        Tracer tracer,
        String gatewayId,
        Duration maxDuration,
        Duration responseIdleTimeout,
        VadEngine vadEngine,
        Access access,
        Duration accessRecheck,
        SessionBudgets budgets) {}
