package dev.agentvoicebox.gateway.realtime;

import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A session's work queue, run one task at a time on the session's virtual thread. The client's
 * events are bounded by count and by bytes (queued plus the one being handled): when either is
 * spent, {@link #deliver} waits, so the socket's reader stops reading and TCP holds the client back.
 * The gateway's own tasks (worker results, timers) never wait: they are few per response, and a
 * wait there would stall the reader that serves every session.
 */
final class Mailbox {
    private final ExecutorService loop;
    private final int maxEvents;
    private final long maxBytes;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition room = lock.newCondition();
    private int events;
    private long bytes;
    private boolean closed;

    Mailbox(String name, int maxEvents, long maxBytes) {
        this.loop =
                Executors.newSingleThreadExecutor(Thread.ofVirtual().name(name).factory());
        this.maxEvents = maxEvents;
        this.maxBytes = maxBytes;
    }

    /**
     * Queues a client event of {@code size} bytes, waiting while the mailbox is full. One event
     * larger than the whole byte budget still goes through, alone. Returns false once closed.
     */
    boolean deliver(long size, Runnable task) throws InterruptedException {
        lock.lock();
        try {
            while (!closed && events > 0 && (events >= maxEvents || bytes + size > maxBytes)) {
                room.await();
            }
            if (closed) {
                return false;
            }
            events++;
            bytes += size;
        } finally {
            lock.unlock();
        }
        boolean queued = post(() -> {
            try {
                task.run();
            } finally {
                release(size);
            }
        });
        if (!queued) {
            release(size);
        }
        return queued;
    }

    private void release(long size) {
        lock.lock();
        try {
            events--;
            bytes -= size;
            room.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Queues the gateway's own task without waiting; false once closed. */
    boolean post(Runnable task) {
        if (loop.isShutdown()) {
            return false;
        }
        try {
            loop.execute(task);
            return true;
        } catch (RejectedExecutionException e) {
            return false; // closed while the task was on its way
        }
    }

    /** No more tasks are taken; the queued ones still run, and a waiting reader is let go. */
    void close() {
        lock.lock();
        try {
            closed = true;
            room.signalAll();
        } finally {
            lock.unlock();
        }
        loop.shutdown();
    }

    boolean awaitClosed(Duration timeout) throws InterruptedException {
        return loop.awaitTermination(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }
}
