package dev.agentvoicebox.platform;

import io.github.resilience4j.core.IntervalFunction;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.logging.Logger;

/**
 * How a loop that reads a Redis stream waits after Redis failed it: 100 ms, doubling up to 2 s, each
 * with ±50 % jitter, so a blip costs a tenth of a second while an outage is not polled by every
 * reader in step. Every call starts from the first interval again. Failures are retried for as long
 * as the reader runs; once it stops, or its thread is interrupted while waiting, the failure is
 * thrown to the caller.
 */
public final class StreamReadRetry {
    static final Duration FIRST = Duration.ofMillis(100);
    static final Duration LONGEST = Duration.ofSeconds(2);

    private StreamReadRetry() {}

    /**
     * @param what    the stream read, for the log: {@code reading avb:jobs:llm}
     * @param running false once the reader is closing
     */
    public static Retry of(String what, BooleanSupplier running, Logger log) {
        Retry retry = Retry.of(
                what,
                RetryConfig.custom()
                        .maxAttempts(Integer.MAX_VALUE)
                        .intervalFunction(IntervalFunction.ofExponentialRandomBackoff(FIRST, 2, 0.5, LONGEST))
                        .retryOnException(e -> running.getAsBoolean())
                        .build());
        retry.getEventPublisher()
                .onRetry(event -> log.warning(() -> what + " failed (" + event.getNumberOfRetryAttempts()
                        + " in a row); retrying in " + event.getWaitInterval().toMillis() + " ms: "
                        + event.getLastThrowable()));
        return retry;
    }
}
