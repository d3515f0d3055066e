package dev.agentvoicebox.tenants;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentvoicebox.platform.http.Json;
import dev.agentvoicebox.platform.testing.Poll;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Long polls and the read-your-writes wait, with OPAs played by threads. */
class BundleFeedTest {
    private final AtomicInteger state = new AtomicInteger();
    private final BundleFeed feed = new BundleFeed(this::bundle, 2);
    private final ExecutorService opas = Executors.newVirtualThreadPerTaskExecutor();

    private Bundle bundle() {
        return Bundle.of(Json.object().put("state", state.get()));
    }

    /** A directory change, as a write announces it. */
    private void change() {
        state.incrementAndGet();
        feed.changed();
    }

    private CompletableFuture<BundleFeed.Answer> longPoll(String etag, Duration wait) {
        return CompletableFuture.supplyAsync(
                () -> {
                    try {
                        return feed.poll(etag, wait);
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                },
                opas);
    }

    @AfterEach
    void stop() {
        opas.shutdownNow();
    }

    @Test
    void aPlainPollIsAnsweredAtOnceAndSaysNothingOfLongPolling() throws Exception {
        BundleFeed.Answer first = feed.poll("", null);
        assertEquals(200, first.status());
        assertFalse(first.longPoll());
        assertEquals(304, feed.poll(first.bundle().etag(), null).status());
    }

    @Test
    void aLongPollIsHeldUntilTheDirectoryChanges() throws Exception {
        String etag = bundle().etag();
        CompletableFuture<BundleFeed.Answer> poll = longPoll(etag, Duration.ofSeconds(30));
        Poll.until(Duration.ofSeconds(5), () -> feed.held() == 1, "the poll held");
        assertFalse(poll.isDone());
        long changed = System.nanoTime();
        change();
        BundleFeed.Answer answer = poll.get(5, TimeUnit.SECONDS);
        assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - changed) < 500, "answered at once");
        assertEquals(200, answer.status());
        assertTrue(answer.longPoll());
        assertEquals(bundle().etag(), answer.bundle().etag());
    }

    @Test
    void aLongPollWithNoChangeEndsWith304OnceTheWaitIsOver() throws Exception {
        String etag = bundle().etag();
        long start = System.nanoTime();
        BundleFeed.Answer answer = feed.poll(etag, Duration.ofSeconds(1));
        assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) >= 1000);
        assertEquals(304, answer.status());
        assertTrue(answer.longPoll(), "a 304 keeps OPA long polling");
        assertEquals(etag, answer.bundle().etag());
    }

    @Test
    void aLongPollForAnOldRevisionIsAnsweredAtOnce() throws Exception {
        BundleFeed.Answer answer = feed.poll("\"stale\"", Duration.ofSeconds(30));
        assertEquals(200, answer.status());
        assertTrue(answer.longPoll());
    }

    @Test
    void beyondItsLimitOfHeldPollsTheFeedAnswersAsAPlainServer() throws Exception {
        String etag = bundle().etag();
        List<CompletableFuture<BundleFeed.Answer>> held =
                List.of(longPoll(etag, Duration.ofSeconds(30)), longPoll(etag, Duration.ofSeconds(30)));
        Poll.until(Duration.ofSeconds(5), () -> feed.held() == 2, "two polls held");
        BundleFeed.Answer third = feed.poll(etag, Duration.ofSeconds(30));
        assertEquals(304, third.status());
        assertFalse(third.longPoll(), "OPA falls back to periodic polling rather than being queued");
        change();
        for (CompletableFuture<BundleFeed.Answer> poll : held) {
            assertEquals(200, poll.get(5, TimeUnit.SECONDS).status());
        }
    }

    @Test
    void aWriteWaitsUntilTheOpaHasComeBackWithTheNewRevision() throws Exception {
        String etag = bundle().etag();
        CompletableFuture<BundleFeed.Answer> poll = longPoll(etag, Duration.ofSeconds(30));
        Poll.until(Duration.ofSeconds(5), () -> feed.held() == 1, "the poll held");
        change();
        CompletableFuture<Boolean> write = CompletableFuture.supplyAsync(
                () -> {
                    try {
                        return feed.awaitOpas(Duration.ofSeconds(5));
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                },
                opas);
        String delivered = poll.get(5, TimeUnit.SECONDS).bundle().etag();
        assertFalse(doneWithin300ms(write), "OPA was answered but has not confirmed: the write still waits");
        // OPA activated the bundle and asks for the next one: that confirms it.
        CompletableFuture<BundleFeed.Answer> next = longPoll(delivered, Duration.ofSeconds(30));
        assertTrue(write.get(5, TimeUnit.SECONDS));
        assertFalse(next.isDone(), "the follow-up is held as the next long poll");
        change();
        assertEquals(200, next.get(5, TimeUnit.SECONDS).status());
    }

    @Test
    void anOpaThatDoesNotComeBackHoldsAWriteOnlyUntilItsTimeout() throws Exception {
        String etag = bundle().etag();
        CompletableFuture<BundleFeed.Answer> poll = longPoll(etag, Duration.ofSeconds(30));
        Poll.until(Duration.ofSeconds(5), () -> feed.held() == 1, "the poll held");
        change();
        poll.get(5, TimeUnit.SECONDS);
        long start = System.nanoTime();
        assertFalse(feed.awaitOpas(Duration.ofMillis(300)));
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertTrue(ms >= 300 && ms < 2000, ms + " ms");
    }

    @Test
    void closingAnswersTheHeldPollsAtOnce() throws Exception {
        CompletableFuture<BundleFeed.Answer> poll = longPoll(bundle().etag(), Duration.ofSeconds(30));
        Poll.until(Duration.ofSeconds(5), () -> feed.held() == 1, "the poll held");
        feed.close();
        assertEquals(304, poll.get(2, TimeUnit.SECONDS).status());
    }

    @Test
    void withNoOpaLongPollingAWriteDoesNotWait() throws Exception {
        change();
        assertTrue(feed.awaitOpas(Duration.ofMillis(1)));
    }

    @Test
    void preferWaitIsReadLikeOpaSendsIt() {
        assertEquals(Duration.ofSeconds(30), PublicResource.longPollWait(List.of("wait=30")));
        assertEquals(Duration.ofSeconds(5), PublicResource.longPollWait(List.of("modes=snapshot,delta;wait=5")));
        assertEquals(Duration.ofSeconds(10), PublicResource.longPollWait(List.of("respond-async, wait=10")));
        assertNull(PublicResource.longPollWait(List.of()));
        assertNull(PublicResource.longPollWait(List.of("wait=soon")));
        assertNull(PublicResource.longPollWait(List.of("wait=0")));
    }

    private static boolean doneWithin300ms(CompletableFuture<Boolean> write)
            throws ExecutionException, InterruptedException {
        try {
            write.get(300, TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        }
    }
}
