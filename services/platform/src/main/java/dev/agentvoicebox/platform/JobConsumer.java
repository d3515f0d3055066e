package dev.agentvoicebox.platform;

import dev.agentvoicebox.protocol.Envelope;
import dev.agentvoicebox.protocol.Streams;
import io.github.resilience4j.retry.Retry;
import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XAutoClaimArgs;
import io.lettuce.core.XClaimArgs;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.models.stream.ClaimedMessages;
import io.lettuce.core.models.stream.PendingMessage;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Reads one job stream as a member of a consumer group and runs each job on a virtual thread, as the
 * protocol README describes: the group is created if missing (again whenever Redis comes back
 * without it, see {@link StreamGroup}), jobs past their deadline or whose
 * response was cancelled are acked and skipped, a dead worker's jobs are taken over with
 * {@code XAUTOCLAIM} (and run with {@code attempt} one higher), this worker's own in-flight jobs are
 * re-claimed to itself every second so they never look idle, and {@code avb:cancel} Pub/Sub messages
 * cancel in-flight jobs of that response at once.
 *
 * <p>A job is acked when its handler returns or throws. A job still running when {@link #close()}
 * gives up waiting is left pending, so another worker reclaims it.
 */
public final class JobConsumer implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(JobConsumer.class.getName());

    /** Runs one job. Called on a virtual thread; may block. */
    @FunctionalInterface
    public interface Handler {
        void handle(Job job) throws Exception;
    }

    /** One delivery of a job to this worker. */
    public static final class Job implements Cancellation {
        private final String messageId;
        private final Envelope envelope;
        private final AtomicBoolean cancelled = new AtomicBoolean();
        private final List<Runnable> cancelActions = new ArrayList<>();

        Job(String messageId, Envelope envelope) {
            this.messageId = messageId;
            this.envelope = envelope;
        }

        public String messageId() {
            return messageId;
        }

        /** The job's envelope, with {@code attempt} already raised for a reclaimed job. */
        public Envelope envelope() {
            return envelope;
        }

        @Override
        public boolean cancelled() {
            return cancelled.get();
        }

        /** Runs {@code action} when the job is cancelled (at once if it already is). */
        @Override
        public void onCancel(Runnable action) {
            boolean runNow;
            synchronized (cancelActions) {
                runNow = cancelled.get();
                if (!runNow) {
                    cancelActions.add(action);
                }
            }
            if (runNow) {
                runQuietly(action);
            }
        }

        /** Cancels the job: marks it and runs the registered actions once. */
        public void cancel() {
            List<Runnable> actions;
            synchronized (cancelActions) {
                if (!cancelled.compareAndSet(false, true)) {
                    return;
                }
                actions = List.copyOf(cancelActions);
                cancelActions.clear();
            }
            actions.forEach(Job::runQuietly);
        }

        private static void runQuietly(Runnable action) {
            try {
                action.run();
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "cancel action failed", e);
            }
        }
    }

    /**
     * @param concurrency   jobs run at once by this worker
     * @param block         how long one XREADGROUP waits; bounds how fast {@link #close()} stops reading
     * @param tick          how often own jobs are re-claimed and dead workers' jobs reclaimed
     * @param reclaimIdle   min idle time of a job before it is taken from another consumer
     * @param shutdownGrace how long {@link #close()} waits for in-flight jobs
     */
    public record Options(
            int concurrency, Duration block, Duration tick, Duration reclaimIdle, Duration shutdownGrace) {
        public static Options defaults() {
            return new Options(
                    32,
                    Duration.ofSeconds(1),
                    Duration.ofSeconds(1),
                    Duration.ofMillis(Streams.RECLAIM_IDLE_MS),
                    Duration.ofSeconds(10));
        }

        public Options withConcurrency(int value) {
            return new Options(value, block, tick, reclaimIdle, shutdownGrace);
        }

        public Options withShutdownGrace(Duration value) {
            return new Options(concurrency, block, tick, reclaimIdle, value);
        }
    }

    private final RedisConnections redis;
    private final String stream;
    private final String group;
    private final String consumerName;
    private final StreamGroup streamGroup;
    private final Handler handler;
    private final Consumer<String> cancelListener;
    private final Options options;
    private final Semaphore permits;
    private final Map<String, Job> inFlight = new ConcurrentHashMap<>();
    private final AtomicBoolean running = new AtomicBoolean();
    /** Set when close() gave up on in-flight jobs: they stay pending so another worker runs them. */
    private volatile boolean abandoned;

    private final ExecutorService workers = Executors.newVirtualThreadPerTaskExecutor();
    private final ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("job-consumer-tick").factory());
    private StatefulRedisConnection<String, String> readConnection;
    private StatefulRedisPubSubConnection<String, String> pubSub;
    private Thread reader;

    /**
     * @param cancelListener also told every response id seen on {@code avb:cancel} (may be null);
     *                       in-flight jobs of that response are cancelled either way
     */
    public JobConsumer(
            RedisConnections redis,
            String stream,
            String group,
            String consumerName,
            Handler handler,
            Consumer<String> cancelListener,
            Options options) {
        this.redis = Objects.requireNonNull(redis);
        this.stream = Objects.requireNonNull(stream);
        this.group = Objects.requireNonNull(group);
        this.consumerName = Objects.requireNonNull(consumerName);
        this.streamGroup = new StreamGroup(stream, group, consumerName);
        this.handler = Objects.requireNonNull(handler);
        this.cancelListener = cancelListener == null ? id -> {} : cancelListener;
        this.options = options;
        this.permits = new Semaphore(options.concurrency());
    }

    public String consumerName() {
        return consumerName;
    }

    /** Jobs this worker is running now. */
    public int inFlight() {
        return inFlight.size();
    }

    public synchronized void start() {
        if (!running.compareAndSet(false, true)) {
            return;
        }
        streamGroup.create(redis.shared().sync(), "0");
        pubSub = redis.pubSub();
        pubSub.addListener(new RedisPubSubAdapter<>() {
            @Override
            public void message(String channel, String message) {
                if (Streams.CANCEL_CHANNEL.equals(channel)) {
                    cancelResponse(message);
                }
            }
        });
        pubSub.sync().subscribe(Streams.CANCEL_CHANNEL);
        readConnection = redis.dedicated();
        long tickMs = options.tick().toMillis();
        ticker.scheduleWithFixedDelay(this::tick, tickMs, tickMs, TimeUnit.MILLISECONDS);
        reader = Thread.ofPlatform().name("job-consumer-" + stream).start(this::readLoop);
        LOG.info(() -> "consuming " + stream + " as " + group + "/" + consumerName + " (concurrency "
                + options.concurrency() + ")");
    }

    /** Cancels this worker's in-flight jobs of one response. */
    public void cancelResponse(String responseId) {
        if (responseId == null || responseId.isEmpty()) {
            return;
        }
        for (Job job : inFlight.values()) {
            if (responseId.equals(job.envelope().responseId())) {
                job.cancel();
            }
        }
        try {
            cancelListener.accept(responseId);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "cancel listener failed", e);
        }
    }

    private void readLoop() {
        RedisCommands<String, String> commands = readConnection.sync();
        Retry retry = StreamReadRetry.of("reading " + stream, running::get, LOG);
        while (running.get()) {
            int taken = 0;
            try {
                if (!permits.tryAcquire(options.block().toMillis(), TimeUnit.MILLISECONDS)) {
                    continue;
                }
                taken = 1;
                while (taken < 16 && permits.tryAcquire()) {
                    taken++;
                }
                int count = taken;
                List<StreamMessage<String, String>> messages = retry.executeSupplier(() -> streamGroup.read(
                        commands, XReadArgs.Builder.block(options.block()).count(count)));
                int used = 0;
                if (messages != null) {
                    for (StreamMessage<String, String> message : messages) {
                        used++;
                        dispatch(message.getId(), message.getBody(), 0);
                    }
                }
                permits.release(taken - used);
                taken = 0;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                // Only once closing (or interrupted): the retry keeps trying while running.
                if (taken > 0) {
                    permits.release(taken);
                }
                return; // closing (or interrupted): the retry keeps trying while the consumer runs
            }
        }
    }

    /** Runs a job holding one permit; the permit is released when the job ends. */
    private void dispatch(String id, Map<String, String> fields, int extraAttempts) {
        Envelope envelope;
        try {
            envelope = Envelope.fromFields(fields);
        } catch (IllegalArgumentException e) {
            LOG.warning(() -> "dropping malformed job " + id + " on " + stream + ": " + e.getMessage());
            ack(id);
            permits.release();
            return;
        }
        if (extraAttempts > 0) {
            envelope = envelope.withAttempt(envelope.attempt() + extraAttempts);
        }
        Job job = new Job(id, envelope);
        inFlight.put(id, job);
        workers.execute(() -> run(job));
    }

    private void run(Job job) {
        Envelope envelope = job.envelope();
        boolean finished = false;
        try {
            if (envelope.expired(System.currentTimeMillis())) {
                LOG.fine(() -> "dropping expired job " + job.messageId());
            } else if (!envelope.responseId().isEmpty()
                    && redis.shared().sync().exists(Streams.cancelledKey(envelope.responseId())) > 0) {
                LOG.fine(() -> "dropping cancelled job " + job.messageId());
            } else {
                handler.handle(job);
            }
            finished = true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            finished = true;
        } catch (Exception e) {
            LOG.log(Level.WARNING, "job " + job.messageId() + " on " + stream + " failed", e);
            finished = true;
        } finally {
            if (finished && !abandoned) {
                ack(job.messageId());
            }
            inFlight.remove(job.messageId());
            permits.release();
        }
    }

    private void ack(String id) {
        try {
            redis.shared().sync().xack(stream, group, id);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "XACK " + id + " failed; the job may run again", e);
        }
    }

    private void tick() {
        if (!running.get()) {
            return;
        }
        try {
            keepOwnJobs();
            reclaimAbandoned();
        } catch (RuntimeException e) {
            LOG.log(Level.FINE, "stream housekeeping failed", e);
        }
    }

    /** Resets the idle time of the jobs this worker is running, so nobody reclaims them. */
    private void keepOwnJobs() {
        if (inFlight.isEmpty()) {
            return;
        }
        String[] ids = inFlight.keySet().toArray(String[]::new);
        redis.shared()
                .sync()
                .xclaim(
                        stream,
                        streamGroup.consumer(),
                        new XClaimArgs().justid().minIdleTime(0),
                        ids);
    }

    /** Takes over jobs that sat unacknowledged with a dead consumer for longer than the reclaim idle. */
    private void reclaimAbandoned() {
        int free = permits.availablePermits();
        if (free <= 0) {
            return;
        }
        RedisCommands<String, String> commands = redis.shared().sync();
        ClaimedMessages<String, String> claimed = commands.xautoclaim(
                stream,
                new XAutoClaimArgs<String>()
                        .consumer(streamGroup.consumer())
                        .minIdleTime(options.reclaimIdle())
                        .startId("0")
                        .count(Math.min(free, 16)));
        for (StreamMessage<String, String> message : claimed.getMessages()) {
            if (inFlight.containsKey(message.getId())) {
                continue; // ours already, and running
            }
            if (message.getBody() == null || message.getBody().isEmpty()) {
                ack(message.getId()); // trimmed away while pending
                continue;
            }
            if (!permits.tryAcquire()) {
                return; // stays pending with us; a later tick or another worker takes it
            }
            long deliveries = deliveryCount(commands, message.getId());
            LOG.info(() -> "reclaimed job " + message.getId() + " on " + stream);
            // First delivery counted 1; every reclaim counts one more.
            dispatch(message.getId(), message.getBody(), (int) Math.max(1, deliveries - 1));
        }
    }

    private long deliveryCount(RedisCommands<String, String> commands, String id) {
        List<PendingMessage> pending = commands.xpending(stream, group, Range.create(id, id), Limit.from(1));
        return pending.isEmpty() ? 2 : pending.get(0).getRedeliveryCount();
    }

    /** Stops reading, waits up to the grace period for in-flight jobs, then closes connections. */
    @Override
    public void close() {
        if (!running.compareAndSet(true, false)) {
            return;
        }
        ticker.shutdownNow();
        if (reader != null) {
            try {
                reader.join(options.block().toMillis() + 2_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        workers.shutdown();
        try {
            if (!workers.awaitTermination(options.shutdownGrace().toMillis(), TimeUnit.MILLISECONDS)) {
                LOG.warning(() -> inFlight.size() + " job(s) still running at shutdown; left pending for reclaim");
                abandoned = true;
                inFlight.values().forEach(Job::cancel);
                workers.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (pubSub != null) {
            pubSub.close();
        }
        if (readConnection != null) {
            readConnection.close();
        }
    }
}
