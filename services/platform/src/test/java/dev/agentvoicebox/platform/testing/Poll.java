package dev.agentvoicebox.platform.testing;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Waits for a condition with a deadline: tests poll, they never sleep-and-hope. */
public final class Poll {
    private Poll() {}

    public static void until(Duration timeout, BooleanSupplier condition) {
        until(timeout, condition, "condition");
    }

    public static void until(Duration timeout, BooleanSupplier condition, String what) {
        long end = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError(what + " not met within " + timeout.toMillis() + " ms");
            }
            try {
                Thread.sleep(2);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted");
            }
        }
    }
}
