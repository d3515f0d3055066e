package dev.agentvoicebox.tenants;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * The data bundle as OPA fetches it, with OPA's HTTP long polling: a request carrying
 * {@code Prefer: wait=<s>} and the revision OPA holds is answered as soon as the directory changes
 * (with 304 once the wait is over), so a change reaches every OPA at once instead of at its next poll.
 *
 * <p>It is also what read-your-writes rests on. OPA asks again only after it has activated what it
 * was given, so an OPA that comes back with the revision it was answered has that revision loaded.
 * The feed keeps the long polls it holds and the answers it still expects a follow-up to;
 * {@link #awaitOpas} waits (bounded) until none is outstanding and every held poll is on the
 * current revision: then every OPA long polling this replica decides with the change.
 */
final class BundleFeed {
    static final String LONG_POLL_TYPE = "application/vnd.openpolicyagent.bundles";
    /** The longest a poll is held, whatever OPA asks for. */
    static final Duration MAX_WAIT = Duration.ofSeconds(120);
    /**
     * A held poll looks at the directory at least this often, so a change whose announcement this
     * replica missed (its Redis subscription was down) still arrives; also how long a computed bundle is reused.
     */
    private static final Duration RECHECK = Duration.ofSeconds(1);
    /** How long an answered OPA is expected back; one that never returns (it stopped) is forgotten then. */
    private static final Duration FOLLOW_UP = Duration.ofSeconds(5);

    private final Supplier<Bundle> source;
    private final int maxHeld;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition stateChanged = lock.newCondition();
    private final ReentrantLock computing = new ReentrantLock();
    private volatile long generation;
    private volatile boolean closed;
    private Snapshot snapshot;
    private final Map<Object, String> held = new HashMap<>();
    private final Deque<FollowUp> expected = new ArrayDeque<>();

    /** @param maxHeld the most long polls held at once; beyond it a poll is answered at once, as without long polling */
    BundleFeed(Supplier<Bundle> source, int maxHeld) {
        this.source = source;
        this.maxHeld = maxHeld;
    }

    /** How a poll is answered: 200 with the bundle or 304; {@code longPoll} says whether OPA may keep long polling. */
    record Answer(int status, Bundle bundle, boolean longPoll) {}

    private record Snapshot(long generation, long atNanos, Bundle bundle) {}

    private record FollowUp(String etag, long deadlineNanos) {}

    /** Answers every held poll with what it has, so a stopping server does not wait out their waits. */
    void close() {
        lock.lock();
        try {
            closed = true;
            stateChanged.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** The directory changed (here or on another replica): held polls look again. */
    void changed() {
        lock.lock();
        try {
            generation++;
            stateChanged.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Answers a poll. {@code wait} is what OPA's {@code Prefer} asked for, or null for a plain poll,
     * answered at once from a freshly built bundle as before long polling existed.
     */
    Answer poll(String ifNoneMatch, Duration wait) throws InterruptedException {
        String seen = ifNoneMatch == null ? "" : ifNoneMatch;
        if (wait == null) {
            Bundle bundle = source.get();
            return new Answer(bundle.matches(seen) ? 304 : 200, bundle, false);
        }
        Object poll = new Object();
        boolean hold;
        lock.lock();
        try {
            long now = System.nanoTime();
            forgetLate(now);
            acknowledge(seen);
            hold = held.size() < maxHeld;
            if (hold) {
                held.put(poll, seen);
            }
            stateChanged.signalAll();
        } finally {
            lock.unlock();
        }
        if (!hold) {
            // Answered as a server without long polling would: OPA falls back to periodic polls.
            Bundle bundle = current();
            return new Answer(bundle.matches(seen) ? 304 : 200, bundle, false);
        }
        String answered = seen;
        try {
            long deadline = System.nanoTime() + Math.min(wait.toNanos(), MAX_WAIT.toNanos());
            while (true) {
                long seenGeneration = generation;
                Bundle bundle = current();
                if (!bundle.matches(seen)) {
                    answered = bundle.etag();
                    return new Answer(200, bundle, true);
                }
                long left = deadline - System.nanoTime();
                if (left <= 0 || closed) {
                    return new Answer(304, bundle, true);
                }
                awaitChange(seenGeneration, Math.min(left, RECHECK.toNanos()));
            }
        } finally {
            lock.lock();
            try {
                held.remove(poll);
                expected.addLast(new FollowUp(answered, System.nanoTime() + FOLLOW_UP.toNanos()));
                // One follow-up per answer in flight; more means OPAs that vanished: the oldest go first.
                while (expected.size() > 2 * maxHeld) {
                    expected.removeFirst();
                }
                stateChanged.signalAll();
            } finally {
                lock.unlock();
            }
        }
    }

    /**
     * Waits until every OPA long polling this replica holds the current bundle, at most {@code timeout}.
     * False when some did not confirm in time (one is slow, or stopped while it was being answered).
     */
    boolean awaitOpas(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            long seenGeneration = generation;
            Bundle target = current();
            lock.lock();
            try {
                long now = System.nanoTime();
                forgetLate(now);
                if (expected.isEmpty() && held.values().stream().allMatch(target::matches)) {
                    return true;
                }
                if (now >= deadline) {
                    return false;
                }
                if (generation == seenGeneration) {
                    stateChanged.awaitNanos(Math.min(deadline - now, RECHECK.toNanos()));
                }
            } finally {
                lock.unlock();
            }
        }
    }

    /** Long polls held now (for tests and health). */
    int held() {
        lock.lock();
        try {
            return held.size();
        } finally {
            lock.unlock();
        }
    }

    /** The bundle of the current generation, built at most once per change (or per {@link #RECHECK}). */
    private Bundle current() {
        computing.lock();
        try {
            long now = System.nanoTime();
            long gen = generation;
            if (snapshot == null || snapshot.generation() != gen || now - snapshot.atNanos() > RECHECK.toNanos()) {
                snapshot = new Snapshot(gen, now, source.get());
            }
            return snapshot.bundle();
        } finally {
            computing.unlock();
        }
    }

    private void awaitChange(long seenGeneration, long nanos) throws InterruptedException {
        lock.lock();
        try {
            long left = nanos;
            while (!closed && generation == seenGeneration && left > 0) {
                left = stateChanged.awaitNanos(left);
            }
        } finally {
            lock.unlock();
        }
    }

    /** An OPA came back with the revision it was answered: it has activated it. */
    private void acknowledge(String etag) {
        Iterator<FollowUp> it = expected.iterator();
        while (it.hasNext()) {
            if (it.next().etag().equals(etag)) {
                it.remove();
                return;
            }
        }
    }

    private void forgetLate(long now) {
        expected.removeIf(f -> now - f.deadlineNanos() > 0);
    }
}
