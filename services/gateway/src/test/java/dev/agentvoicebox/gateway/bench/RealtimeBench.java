package dev.agentvoicebox.gateway.bench;

import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

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
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Options options;
    private final URI uri;
    private final String apiKey;
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

    record Options(int sessions, int turns, int roundTrips, int deadlineSeconds, int connectConcurrency,
                   int settleMillis) {
        static Options parse(String[] args) {
            Map<String, String> values = new LinkedHashMap<>();
            for (int i = 0; i < args.length; i++) {
                String arg = args[i];
                if (arg.equals("-h") || arg.equals("--help")) {
                    usage(null);
                }
                if (!arg.startsWith("--")) {
                    usage("unexpected argument '" + arg + "'");
                }
                int eq = arg.indexOf('=');
                if (eq > 0) {
                    values.put(arg.substring(2, eq), arg.substring(eq + 1));
                } else if (i + 1 < args.length) {
                    values.put(arg.substring(2), args[++i]);
                } else {
                    usage("no value for " + arg);
                }
            }
            Options options = new Options(
                    take(values, "sessions", 200, 1, 5000),
                    take(values, "turns", 3, 0, 100),
                    take(values, "round-trips", 5, 0, 1000),
                    take(values, "deadline-s", 180, 5, 1800),
                    take(values, "connect-concurrency", 50, 1, 5000),
                    take(values, "settle-ms", 2000, 0, 60000));
            if (!values.isEmpty()) {
                usage("unknown option(s) " + values.keySet());
            }
            return options;
        }

        private static int take(Map<String, String> values, String name, int fallback, int min, int max) {
            String raw = values.remove(name);
            if (raw == null) {
                return fallback;
            }
            try {
                int value = Integer.parseInt(raw.trim());
                if (value < min || value > max) {
                    usage("--" + name + " must be within " + min + ".." + max);
                }
                return value;
            } catch (NumberFormatException e) {
                usage("--" + name + " is not a number: " + raw);
                return fallback;
            }
        }

        private static void usage(String problem) {
            if (problem != null) {
                System.err.println("bench: " + problem);
            }
            System.err.println("usage: RealtimeBench [--sessions 200] [--turns 3] [--round-trips 5] [--deadline-s 180]"
                    + " [--connect-concurrency 50] [--settle-ms 2000]");
            System.exit(problem == null ? 0 : 2);
        }
    }

    RealtimeBench(Options options, URI uri, String apiKey) {
        this.options = options;
        this.uri = uri;
        this.apiKey = apiKey;
        this.deadlineNanos = System.nanoTime() + TimeUnit.SECONDS.toNanos(options.deadlineSeconds());
        this.http = HttpClient.newBuilder().executor(threads).connectTimeout(Duration.ofSeconds(10)).build();
    }

    public static void main(String[] args) throws Exception {
        Options options = Options.parse(args);
        String base = env("AVB_GATEWAY_URL", "https://127.0.0.1:8443").replaceAll("/+$", "");
        URI uri = URI.create(base.replaceFirst("^http", "ws") + "/v1/realtime?model=gpt-realtime");
        requireLoopback(uri);
        String apiKey = Files.readString(Path.of(env("AVB_API_KEY_FILE", ".avb/dev-api-key"))).trim();
        Path pidFile = Path.of(env("AVB_GATEWAY_PID_FILE", ".avb/run/gateway.pid"));
        int status = new RealtimeBench(options, uri, apiKey).run(pidFile);
        System.exit(status);
    }

    private static String env(String name, String fallback) {
        String value = System.getenv(name);
        return value == null || value.isBlank() ? fallback : value;
    }

    private static void requireLoopback(URI uri) throws IOException {
        for (InetAddress address : InetAddress.getAllByName(uri.getHost())) {
            if (!address.isLoopbackAddress()) {
                throw new IllegalArgumentException("bench: " + uri.getHost()
                        + " is not a loopback address; the benchmark only drives a local gateway");
            }
        }
    }

    int run(Path pidFile) throws Exception {
        System.out.printf(Locale.ROOT, "bench: %s, %d sessions x (%d round trips + %d turns), deadline %d s%n",
                uri, options.sessions(), options.roundTrips(), options.turns(), options.deadlineSeconds());
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
        System.out.printf(Locale.ROOT, "bench: %d/%d sessions open in %.1f s%s%n", idle, options.sessions(),
                openSeconds, allOpened ? "" : " (deadline hit while connecting)");

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
        System.out.printf(Locale.ROOT, "sessions          %d opened, %d completed every step%s%n", idle,
                completedSessions.get(), allFinished ? "" : " (deadline hit: the rest were aborted)");
        System.out.printf(Locale.ROOT, "turns             %d completed in %.1f s (%.1f turns/s)%n", completedTurns.get(),
                loadSeconds, completedTurns.get() / Math.max(loadSeconds, 1e-9));
        print("connect -> session.created", connectNanos);
        print("response.create -> first output_text.delta", firstDeltaNanos);
        print("response.create -> response.done", responseNanos);
        print("input_audio_buffer.clear -> .cleared", clearNanos);
        print("session.update -> session.updated", updateNanos);
        if (rssBefore > 0 && rssAfter > 0 && idle > 0) {
            System.out.printf(Locale.ROOT, "gateway memory    RSS %.1f MiB -> %.1f MiB with %d idle sessions: %.1f KiB per session%n",
                    rssBefore / 1024.0, rssAfter / 1024.0, idle, (rssAfter - rssBefore) / (double) idle);
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
        session.socket = http.newWebSocketBuilder()
                .header("Authorization", "Bearer " + apiKey)
                .connectTimeout(Duration.ofSeconds(10))
                .buildAsync(uri, session)
                .get(remainingNanos(), TimeUnit.NANOSECONDS);
        Event created = session.await("session.created");
        session.id = created.json().path("session").path("id").asText("?");
        session.await("conversation.created");
        connectNanos.add(created.nanos() - start);
        return session;
    }

    private long remainingNanos() {
        return Math.max(0, deadlineNanos - System.nanoTime());
    }

    private static void print(String what, ConcurrentLinkedQueue<Long> samples) {
        List<Long> sorted = new ArrayList<>(samples);
        Collections.sort(sorted);
        if (sorted.isEmpty()) {
            System.out.printf(Locale.ROOT, "%-44s no samples%n", what);
            return;
        }
        System.out.printf(Locale.ROOT, "%-44s p50 %8.2f ms   p99 %8.2f ms   max %8.2f ms   (n=%d)%n", what,
                percentile(sorted, 50), percentile(sorted, 99), sorted.getLast() / 1e6, sorted.size());
    }

    private static double percentile(List<Long> sorted, int p) {
        int rank = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(rank, sorted.size() - 1))) / 1e6;
    }

    private static long readPid(Path pidFile) {
        try {
            return Long.parseLong(Files.readString(pidFile).trim());
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
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

    record Event(long nanos, String type, JsonNode json) {
    }

    /** One Realtime session: the socket listener queues events; the driver thread waits on them. */
    private final class Session implements WebSocket.Listener, AutoCloseable {
        private final LinkedBlockingQueue<Event> events = new LinkedBlockingQueue<>();
        private final StringBuilder partial = new StringBuilder();
        private volatile WebSocket socket;
        private volatile String closedBecause;
        String id = "(connecting)";

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                long now = System.nanoTime();
                String text = partial.toString();
                partial.setLength(0);
                try {
                    JsonNode json = JSON.readTree(text);
                    events.add(new Event(now, json.path("type").asText(), json));
                } catch (IOException e) {
                    events.add(new Event(now, "bench.unreadable", JSON.createObjectNode().put("text", text)));
                }
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            closedBecause = "closed by the gateway: " + statusCode + " " + reason;
            events.add(new Event(System.nanoTime(), "bench.closed", JSON.createObjectNode()));
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            closedBecause = "socket error: " + error;
            events.add(new Event(System.nanoTime(), "bench.closed", JSON.createObjectNode()));
        }

        void send(ObjectNode event) throws Exception {
            socket.sendText(JSON.writeValueAsString(event), true).get(remainingNanos(), TimeUnit.NANOSECONDS);
        }

        Event await(String type) throws Exception {
            return await(e -> e.type().equals(type), type);
        }

        /** The next event matching; an error event, a closed socket or the deadline fail the wait. */
        Event await(Predicate<Event> match, String what) throws Exception {
            while (true) {
                Event event = events.poll(remainingNanos(), TimeUnit.NANOSECONDS);
                if (event == null) {
                    throw new IllegalStateException("deadline hit waiting for " + what);
                }
                if (match.test(event)) {
                    return event;
                }
                switch (event.type()) {
                    case "error" -> throw new IllegalStateException("error event waiting for " + what + ": "
                            + event.json().path("error"));
                    case "bench.closed" -> throw new IllegalStateException(closedBecause + " waiting for " + what);
                    default -> {
                        // another event on the way, e.g. rate_limits.updated
                    }
                }
            }
        }

        /** A user message, response.create, and the response through response.done (completed). */
        void turn(String said, ConcurrentLinkedQueue<Long> firstDelta) throws Exception {
            ObjectNode create = JSON.createObjectNode().put("type", "conversation.item.create");
            ObjectNode item = create.putObject("item").put("type", "message").put("role", "user");
            item.putArray("content").addObject().put("type", "input_text").put("text", said);
            send(create);
            await("conversation.item.done");
            long start = System.nanoTime();
            send(JSON.createObjectNode().put("type", "response.create"));
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

        @Override
        public void close() {
            WebSocket ws = socket;
            if (ws != null && !ws.isOutputClosed()) {
                try {
                    ws.sendClose(WebSocket.NORMAL_CLOSURE, "bench done").get(2, TimeUnit.SECONDS);
                } catch (Exception e) {
                    ws.abort();
                }
            }
        }
    }
}
