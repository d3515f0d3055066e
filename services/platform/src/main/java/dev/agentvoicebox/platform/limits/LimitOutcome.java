package dev.agentvoicebox.platform.limits;

/**
 * One limit's state after a check, as {@code rate_limits.updated} and error events report it.
 *
 * @param name              {@code responses | tokens | sessions | audio_seconds}
 * @param limit             the limit in the name's unit (audio in seconds per UTC day)
 * @param remaining         what is left now (never negative)
 * @param resetSeconds      seconds until the limit is whole again
 * @param retryAfterSeconds when refused (or in debt), seconds until the same request would pass; else 0
 */
public record LimitOutcome(
        boolean allowed, String name, long limit, long remaining, long resetSeconds, long retryAfterSeconds) {}
