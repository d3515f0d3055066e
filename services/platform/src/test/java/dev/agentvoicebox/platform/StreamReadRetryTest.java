package dev.agentvoicebox.platform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.resilience4j.retry.Retry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;

class StreamReadRetryTest {
    private static final Logger LOG = Logger.getLogger(StreamReadRetryTest.class.getName());

    private static Retry retry(AtomicBoolean running, List<Duration> waits) {
        Retry retry = StreamReadRetry.of("reading test", running::get, LOG);
        retry.getEventPublisher().onRetry(event -> waits.add(event.getWaitInterval()));
        return retry;
    }

    @Test
    void waitsLongerAfterEachFailureAndStartsOverAfterASuccess() {
        AtomicBoolean running = new AtomicBoolean(true);
        List<Duration> waits = new ArrayList<>();
        Retry retry = retry(running, waits);
        AtomicInteger calls = new AtomicInteger();
        String read = retry.executeSupplier(() -> {
            if (calls.incrementAndGet() <= 4) {
                throw new IllegalStateException("Redis is down");
            }
            return "messages";
        });
        assertEquals("messages", read);
        assertEquals(5, calls.get());
        assertEquals(4, waits.size());
        for (int i = 0; i < waits.size(); i++) {
            long nominal = Math.min(StreamReadRetry.FIRST.toMillis() << i, StreamReadRetry.LONGEST.toMillis());
            long wait = waits.get(i).toMillis();
            assertTrue(wait >= nominal / 2 && wait <= nominal * 3 / 2, "wait " + i + ": " + wait + " ms");
        }

        waits.clear();
        calls.set(0);
        retry.executeSupplier(() -> {
            if (calls.incrementAndGet() == 1) {
                throw new IllegalStateException("Redis is down");
            }
            return "messages";
        });
        assertTrue(waits.getFirst().toMillis() <= StreamReadRetry.FIRST.toMillis() * 3 / 2, "from the start again");
    }

    @Test
    void aStoppedReaderGetsTheFailureAtOnce() {
        AtomicBoolean running = new AtomicBoolean(false);
        List<Duration> waits = new ArrayList<>();
        IllegalStateException down = new IllegalStateException("Redis is down");
        IllegalStateException thrown = assertThrows(
                IllegalStateException.class,
                () -> retry(running, waits).executeRunnable(() -> {
                    throw down;
                }));
        assertSame(down, thrown);
        assertEquals(List.of(), waits);
    }

    @Test
    void anInterruptEndsTheWait() throws Exception {
        AtomicBoolean running = new AtomicBoolean(true);
        Retry retry = retry(running, new ArrayList<>());
        AtomicInteger calls = new AtomicInteger();
        CompletableFuture<Boolean> interrupted = new CompletableFuture<>();
        Thread reader = Thread.ofVirtual().start(() -> {
            try {
                retry.executeRunnable(() -> {
                    calls.incrementAndGet();
                    throw new IllegalStateException("Redis is down");
                });
            } catch (IllegalStateException e) {
                interrupted.complete(Thread.currentThread().isInterrupted());
            }
        });
        Thread.sleep(50);
        long start = System.nanoTime();
        reader.interrupt();
        assertTrue(interrupted.get(1, TimeUnit.SECONDS), "the interrupt is kept for the caller");
        assertTrue(System.nanoTime() - start < TimeUnit.MILLISECONDS.toNanos(500));
        assertTrue(calls.get() >= 1);
    }
}
