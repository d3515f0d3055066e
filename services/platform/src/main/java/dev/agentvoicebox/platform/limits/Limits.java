package dev.agentvoicebox.platform.limits;

import java.util.HashMap;
import java.util.Map;

/**
 * A tenant's effective limits: its tier's values with the tenant's overrides applied. The session
 * policy already returns them merged ({@code SessionDecision.limits()}); {@link #of} reads that map.
 */
public record Limits(long responsesPerMinute, long tokensPerMinute, long concurrentSessions, long audioMinutesPerDay) {
    public Limits {
        if (responsesPerMinute < 0 || tokensPerMinute < 0 || concurrentSessions < 0 || audioMinutesPerDay < 0) {
            throw new IllegalArgumentException("limits cannot be negative");
        }
    }

    public static Limits of(Map<String, Long> values) {
        return new Limits(
                required(values, "responses_per_minute"),
                required(values, "tokens_per_minute"),
                required(values, "concurrent_sessions"),
                required(values, "audio_minutes_per_day"));
    }

    /** The tier's limits with the names present in {@code overrides} replaced. */
    public Limits withOverrides(Map<String, Long> overrides) {
        Map<String, Long> merged = new HashMap<>(Map.of(
                "responses_per_minute",
                responsesPerMinute,
                "tokens_per_minute",
                tokensPerMinute,
                "concurrent_sessions",
                concurrentSessions,
                "audio_minutes_per_day",
                audioMinutesPerDay));
        overrides.forEach((k, v) -> {
            if (!merged.containsKey(k)) {
                throw new IllegalArgumentException("unknown limit " + k);
            }
            merged.put(k, v);
        });
        return of(merged);
    }

    private static long required(Map<String, Long> values, String name) {
        Long v = values.get(name);
        if (v == null) {
            throw new IllegalArgumentException("missing limit " + name);
        }
        return v;
    }
}
