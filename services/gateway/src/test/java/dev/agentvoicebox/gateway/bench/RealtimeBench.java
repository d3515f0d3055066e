package dev.agentvoicebox.gateway.bench;

import static dev.agentvoicebox.gateway.bench.BenchSupport.JSON;
import static dev.agentvoicebox.gateway.bench.BenchSupport.env;
import static dev.agentvoicebox.gateway.bench.BenchSupport.print;
import static dev.agentvoicebox.gateway.bench.BenchSupport.readPid;
import static dev.agentvoicebox.gateway.bench.BenchSupport.within;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentvoicebox.gateway.bench.BenchSocket.Event;
import dev.agentvoicebox.gateway.bench.BenchSocket.Gateway;
import java.io.IOException;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Load driver for the Realtime gateway ({@code make bench}): N concurrent text sessions over
 * {@code java.net.http.WebSocket}, each doing a few event round trips and a few text turns.
 *
 * <p>Prints p50/p99 of response.create → first response.output_text.delta, of the event round trips
 * input_audio_buffer.clear → cleared and session.update → updated, of connect → session.created, and
 * the gateway's memory per idle session (VmRSS of the gateway process from /proc before and after
 * opening the N sessions, divided by N). Loopback targets only. Bounded: every wait is capped by
 * one hard deadline, after which whatever is still open is aborted and the numbers so far are
 * printed. Exit status 1 when any session failed or timed out.
 *
 * <pre>
 * make bench ARGS="--sessions 200 --turns 3 --round-trips 5 --deadline-s 180"
 * </pre>
 * Settings: AVB_GATEWAY_URL (https://127.0.0.1:8443), AVB_API_KEY_FILE (.avb/dev-api-key),
 * AVB_GATEWAY_PID_FILE (.avb/run/gateway.pid); TLS trust via -Djavax.net.ssl.trustStore (dev/bench.sh).
 */
public final class RealtimeBench {
    private final Options options;
    private final Gateway gateway;
    private final long deadlineNanos;
    private final HttpClient http;
    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();

    private final ConcurrentLinkedQueue<Long> connectNanos = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<Long> firstDeltaNanos = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<Long> responseNanos = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<Long> clearNanos = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<Long> updateNanos = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
    private final AtomicInteger completedTurns = new AtomicInteger();
    private final AtomicInteger completedSessions = new AtomicInteger();

    record Options(
            int sessions, int turns, int roundTrips, int deadlineSeconds, int connectConcurrency, int settleMillis) {}

    @Command(
            name = "RealtimeBench",
            mixinStandardHelpOptions = true,
            description =
                    "N concurrent text sessions against the local gateway; p50/p99 latencies and RSS per session.")
    static final class Cli implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--sessions", defaultValue = "200", description = "concurrent sessions, 1..5000")
        int sessions;

        @Option(names = "--turns", defaultValue = "3", description = "text turns per session, 0..100")
        int turns;

        @Option(names = "--round-trips", defaultValue = "5", description = "event round trips per session, 0..1000")
        int roundTrips;

        @Option(names = "--deadline-s", defaultValue = "180", description = "hard deadline in seconds, 5..1800")
        int deadlineSeconds;

        @Option(names = "--connect-concurrency", defaultValue = "50", description = "handshakes at once, 1..5000")
        int connectConcurrency;

        @Option(names = "--settle-ms", defaultValue = "2000", description = "wait before each RSS reading, 0..60000")
        int settleMillis;

        @Override
        public Integer call() throws Exception {
            Options options = new Options(
                    within(spec, "--sessions", sessions, 1, 5000),
                    within(spec, "--turns", turns, 0, 100),
                    within(spec, "--round-trips", roundTrips, 0, 1000),
                    within(spec, "--deadline-s", deadlineSeconds, 5, 1800),
                    within(spec, "--connect-concurrency", connectConcurrency, 1, 5000),
                    within(spec, "--settle-ms", settleMillis, 0, 60000));
            Gateway gateway = Gateway.fromEnv("bench");
            Path pidFile = Path.of(env("AVB_GATEWAY_PID_FILE", ".avb/run/gateway.pid"));
            return new RealtimeBench(options, gateway).run(pidFile);
        }
    }

    RealtimeBench(Options options, Gateway gateway) {
        this.options = options;
        this.gateway = gateway;
        this.deadlineNanos = System.nanoTime() + TimeUnit.SECONDS.toNanos(options.deadlineSeconds());
        this.http = HttpClient.newBuilder()
                .executor(threads)
                .connectTimeout(Duration.ofSeconds(10))
                .build();
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new Cli()).execute(args));
    }

    int run(Path pidFile) throws Exception {
        System.out.printf(
                Locale.ROOT,
                "bench: %s, %d sessions x (%d round trips + %d turns), deadline %d s%n",
                gateway.uri(),
                options.sessions(),
                options.roundTrips(),
                options.turns(),
                options.deadlineSeconds());
        long pid = readPid(pidFile);

        // Warm-up: one session, one turn, not counted (class loading, JIT, connections to Redis).
        try (Session warm = open()) {
            warm.turn("Warm up.", null);
        } catch (Exception e) {
            System.err.println("bench: the warm-up session failed, is the stack running? " + e);
            return 1;
        }
        connectNanos.clear();

        // Memory: gateway RSS before and after opening N idle sessions.
        System.gc();
        Thread.sleep(options.settleMillis());
        long rssBefore = rssKb(pid);
        List<Session> sessions = Collections.synchronizedList(new ArrayList<>());
        Semaphore connecting = new Semaphore(options.connectConcurrency());
        CountDownLatch opened = new CountDownLatch(options.sessions());
        long openStart = System.nanoTime();
        for (int i = 0; i < options.sessions(); i++) {
            threads.submit(() -> {
                try {
                    connecting.acquire();
                    try {
                        sessions.add(open());
                    } finally {
                        connecting.release();
                    }
                } catch (Exception e) {
                    failures.add("connect: " + e.getMessage());
                } finally {
                    opened.countDown();
                }
            });
        }
        boolean allOpened = opened.await(remainingNanos(), TimeUnit.NANOSECONDS);
        double openSeconds = (System.nanoTime() - openStart) / 1e9;
        Thread.sleep(Math.min(options.settleMillis(), Math.max(0, TimeUnit.NANOSECONDS.toMillis(remainingNanos()))));
        long rssAfter = rssKb(pid);
        int idle = sessions.size();
        System.out.printf(
                Locale.ROOT,
                "bench: %d/%d sessions open in %.1f s%s%n",
                idle,
                options.sessions(),
                openSeconds,
                allOpened ? "" : " (deadline hit while connecting)");

        // Load: every open session at once.
        long loadStart = System.nanoTime();
        CountDownLatch finished = new CountDownLatch(sessions.size());
        for (Session session : List.copyOf(sessions)) {
            threads.submit(() -> {
                try {
                    drive(session);
                    completedSessions.incrementAndGet();
                } catch (Exception e) {
                    failures.add(session.id + ": " + e.getMessage());
                } finally {
                    finished.countDown();
                }
            });
        }
        boolean allFinished = finished.await(remainingNanos(), TimeUnit.NANOSECONDS);
        double loadSeconds = (System.nanoTime() - loadStart) / 1e9;
        for (Session session : List.copyOf(sessions)) {
            session.close();
        }

        System.out.println();
        System.out.printf(
                Locale.ROOT,
                "sessions          %d opened, %d completed every step%s%n",
                idle,
                completedSessions.get(),
                allFinished ? "" : " (deadline hit: the rest were aborted)");
        System.out.printf(
                Locale.ROOT,
                "turns             %d completed in %.1f s (%.1f turns/s)%n",
                completedTurns.get(),
                loadSeconds,
                completedTurns.get() / Math.max(loadSeconds, 1e-9));
        print("connect -> session.created", connectNanos);
        print("response.create -> first output_text.delta", firstDeltaNanos);
        print("response.create -> response.done", responseNanos);
        print("input_audio_buffer.clear -> .cleared", clearNanos);
        print("session.update -> session.updated", updateNanos);
        if (rssBefore > 0 && rssAfter > 0 && idle > 0) {
            System.out.printf(
                    Locale.ROOT,
                    "gateway memory    RSS %.1f MiB -> %.1f MiB with %d idle sessions: %.1f KiB per session%n",
                    rssBefore / 1024.0,
                    rssAfter / 1024.0,
                    idle,
                    (rssAfter - rssBefore) / (double) idle);
        } else {
            System.out.println("gateway memory    unknown (no readable /proc/<pid>/status for " + pidFile + ")");
        }
        if (!failures.isEmpty()) {
            System.out.printf(Locale.ROOT, "failures          %d; first ones:%n", failures.size());
            failures.stream().limit(10).forEach(f -> System.out.println("  " + f));
        }
        threads.shutdownNow();
        return failures.isEmpty() && allFinished && idle == options.sessions() ? 0 : 1;
    }

    /** One session's load: event round trips, then text turns. */
    private void drive(Session session) throws Exception {
        for (int i = 0; i < options.roundTrips(); i++) {
            long start = System.nanoTime();
            session.send(JSON.createObjectNode().put("type", "input_audio_buffer.clear"));
            clearNanos.add(session.await("input_audio_buffer.cleared").nanos() - start);
            start = System.nanoTime();
            ObjectNode update = JSON.createObjectNode().put("type", "session.update");
            update.putObject("session").put("type", "realtime").put("instructions", "Bench round trip " + i + ".");
            session.send(update);
            updateNanos.add(session.await("session.updated").nanos() - start);
        }
        for (int i = 0; i < options.turns(); i++) {
            session.turn("Benchmark turn " + i + " says hello.", firstDeltaNanos);
            completedTurns.incrementAndGet();
        }
    }

    private Session open() throws Exception {
        Session session = new Session();
        long start = System.nanoTime();
        Event created = session.connect(http, gateway);
        connectNanos.add(created.nanos() - start);
        return session;
    }

    private long remainingNanos() {
        return Math.max(0, deadlineNanos - System.nanoTime());
    }

    /** VmRSS of a process in KiB, or -1. */
    private static long rssKb(long pid) {
        if (pid <= 0) {
            return -1;
        }
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException | NumberFormatException e) {
            // fall through
        }
        return -1;
    }

    private final class Session extends BenchSocket {
        Session() {
            super(deadlineNanos);
        }

        /** A user message, response.create, and the response through response.done (completed). */
        void turn(String said, ConcurrentLinkedQueue<Long> firstDelta) throws Exception {
            ObjectNode create = JSON.createObjectNode().put("type", "conversation.item.create");
            ObjectNode item = create.putObject("item").put("type", "message").put("role", "user");
            item.putArray("content").addObject().put("type", "input_text").put("text", said);
            send(create);
            await("conversation.item.done");
            long start = System.nanoTime();
            ObjectNode respond = JSON.createObjectNode().put("type", "response.create");
            // Text: the bench times the text path; a new session would answer in audio.
            respond.putObject("response").putArray("output_modalities").add("text");
            send(respond);
            Event delta = await("response.output_text.delta");
            Event done = await("response.done");
            String status = done.json().path("response").path("status").asText();
            if (!"completed".equals(status)) {
                throw new IllegalStateException("response " + status + ": "
                        + done.json().path("response").path("status_details"));
            }
            if (firstDelta != null) {
                firstDelta.add(delta.nanos() - start);
                responseNanos.add(done.nanos() - start);
            }
        }
    }
}
