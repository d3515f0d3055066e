package dev.agentvoicebox.gateway.bench;

import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;

import dev.agentvoicebox.platform.audio.Resampler;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Load driver for spoken turns ({@code make bench}): M concurrent Realtime sessions with server_vad
 * and audio answers, each streaming a flite-spoken question in 20 ms chunks at real-time pace, as a
 * microphone client does, with silence between turns, through the stack's own engines (Silero VAD in
 * the gateway, the stt and tts workers, the llm worker).
 *
 * <p>Prints p50/p99 of {@code input_audio_buffer.speech_stopped} → first
 * {@code response.output_audio.delta} (the latency a caller hears after they stop talking), the
 * steps in between, and the CPU the services spent: utime+stime from {@code /proc/<pid>/stat} of the
 * gateway, stt, tts and llm processes ({@code .avb/run/<name>.pid}) over the measured run, with
 * cutime+cstime (the recogniser and speech engine processes they run and reap), per
 * session and per second of audio streamed. The question is spoken once at start
 * ({@code flite -voice kal16}, 16 kHz) and brought to 24 kHz PCM16 with the platform's
 * {@link Resampler}. One warm-up session and turn go first and are not counted. Loopback targets
 * only; bounded by one hard deadline, after which what is still open is aborted and the numbers so far
 * printed. Exit status 1 when any turn failed or timed out.
 *
 * <pre>
 * make bench VOICE_ARGS="--sessions 8 --turns 3 --deadline-s 240"
 * </pre>
 * Settings: AVB_GATEWAY_URL (https://127.0.0.1:8443), AVB_API_KEY_FILE (.avb/dev-api-key),
 * AVB_RUN_DIR (.avb/run); TLS trust via -Djavax.net.ssl.trustStore (dev/bench.sh).
 */
public final class VoiceBench {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int RATE = 24_000;
    private static final int CHUNK_MS = 20;
    private static final int CHUNK_SAMPLES = RATE * CHUNK_MS / 1000;
    private static final List<String> SERVICES = List.of("gateway", "stt", "tts", "llm");
    private static final List<String> OTHERS = List.of("redis", "opa");

    private final Options options;
    private final URI uri;
    private final String apiKey;
    private final long deadlineNanos;
    private final HttpClient http;
    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
    private final short[] question;

    private final ConcurrentLinkedQueue<Long> audioEndToStopped = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<Long> stoppedToTranscript = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<Long> stoppedToCreated = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<Long> stoppedToFirstAudio = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<Long> stoppedToDone = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<Long> sendLateness = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<String> transcripts = new ConcurrentLinkedQueue<>();
    private final AtomicInteger completedTurns = new AtomicInteger();
    private final AtomicInteger completedSessions = new AtomicInteger();
    private final AtomicLong chunksSent = new AtomicLong();
    private final AtomicLong answerSamples = new AtomicLong();
    private volatile boolean counting;

    record Options(int sessions, int turns, int deadlineSeconds, int silenceMillis, int pauseMillis,
                   int staggerMillis, String question, String voice) {
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
            String question = values.remove("question");
            String voice = values.remove("voice");
            Options options = new Options(
                    take(values, "sessions", 8, 1, 64),
                    take(values, "turns", 3, 1, 20),
                    take(values, "deadline-s", 180, 10, 1800),
                    take(values, "silence-ms", 500, 200, 3000),
                    take(values, "pause-ms", 1000, 0, 10000),
                    take(values, "stagger-ms", 300, 0, 5000),
                    question == null || question.isBlank() ? "hello world what is the weather today" : question,
                    voice == null || voice.isBlank() ? "alloy" : voice);
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
                System.err.println("voice bench: " + problem);
            }
            System.err.println("usage: VoiceBench [--sessions 8] [--turns 3] [--deadline-s 180] [--silence-ms 500]"
                    + " [--pause-ms 1000] [--stagger-ms 300] [--question 'hello world what is the weather today']"
                    + " [--voice alloy]");
            System.exit(problem == null ? 0 : 2);
        }
    }

    VoiceBench(Options options, URI uri, String apiKey, short[] question) {
        this.options = options;
        this.uri = uri;
        this.apiKey = apiKey;
        this.question = question;
        this.deadlineNanos = System.nanoTime() + TimeUnit.SECONDS.toNanos(options.deadlineSeconds());
        this.http = HttpClient.newBuilder().executor(threads).connectTimeout(Duration.ofSeconds(10)).build();
    }

    public static void main(String[] args) throws Exception {
        Options options = Options.parse(args);
        String base = env("AVB_GATEWAY_URL", "https://127.0.0.1:8443").replaceAll("/+$", "");
        URI uri = URI.create(base.replaceFirst("^http", "ws") + "/v1/realtime?model=gpt-realtime");
        requireLoopback(uri);
        String apiKey = Files.readString(Path.of(env("AVB_API_KEY_FILE", ".avb/dev-api-key"))).trim();
        Path runDir = Path.of(env("AVB_RUN_DIR", ".avb/run"));
        short[] question = speak(options.question());
        int status = new VoiceBench(options, uri, apiKey, question).run(runDir);
        System.exit(status);
    }

    private static String env(String name, String fallback) {
        String value = System.getenv(name);
        return value == null || value.isBlank() ? fallback : value;
    }

    private static void requireLoopback(URI uri) throws IOException {
        for (InetAddress address : InetAddress.getAllByName(uri.getHost())) {
            if (!address.isLoopbackAddress()) {
                throw new IllegalArgumentException("voice bench: " + uri.getHost()
                        + " is not a loopback address; the benchmark only drives a local gateway");
            }
        }
    }

    /** {@code text} spoken by flite's 16 kHz voice, as 24 kHz PCM16. */
    static short[] speak(String text) throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("avb-voice-bench-");
        try {
            Path wav = dir.resolve("question.wav");
            Process flite = new ProcessBuilder("flite", "-voice", "kal16", "-t", text, "-o", wav.toString())
                    .redirectErrorStream(true).start();
            String output = new String(flite.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!flite.waitFor(30, TimeUnit.SECONDS) || flite.exitValue() != 0) {
                throw new IOException("flite failed (is it installed? make tools): " + output.trim());
            }
            Wav read = readWav(Files.readAllBytes(wav));
            return Resampler.convert(read.samples(), read.rate(), RATE);
        } finally {
            try (var files = Files.list(dir)) {
                for (Path p : files.toList()) {
                    Files.deleteIfExists(p);
                }
            }
            Files.deleteIfExists(dir);
        }
    }

    record Wav(int rate, short[] samples) {
    }

    static Wav readWav(byte[] bytes) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        int offset = 12;
        int rate = 0;
        int bits = 0;
        int channels = 0;
        while (offset + 8 <= bytes.length) {
            String id = new String(bytes, offset, 4, StandardCharsets.US_ASCII);
            int size = b.getInt(offset + 4);
            if (id.equals("fmt ")) {
                channels = b.getShort(offset + 10);
                rate = b.getInt(offset + 12);
                bits = b.getShort(offset + 22);
            }
            if (id.equals("data")) {
                if (bits != 16 || channels != 1) {
                    throw new IOException("expected mono PCM16 from flite, got " + channels + " ch " + bits + " bit");
                }
                int n = Math.min(size, bytes.length - offset - 8) / 2;
                short[] samples = new short[n];
                for (int i = 0; i < n; i++) {
                    samples[i] = b.getShort(offset + 8 + 2 * i);
                }
                return new Wav(rate, samples);
            }
            offset += 8 + size + (size & 1);
        }
        throw new IOException("flite wrote a WAV without a data chunk");
    }

    int run(Path runDir) throws Exception {
        double questionSeconds = question.length / (double) RATE;
        System.out.printf(Locale.ROOT, "voice bench: %s, %d sessions x %d spoken turns (\"%s\", %.2f s of speech;"
                        + " server_vad silence %d ms; audio answers, voice %s), deadline %d s%n",
                uri, options.sessions(), options.turns(), options.question(), questionSeconds,
                options.silenceMillis(), options.voice(), options.deadlineSeconds());

        // Warm-up: one session, one turn, not counted (JIT, VAD and recogniser models, tts engine).
        try (Session warm = open()) {
            warm.configure();
            warm.startStreaming();
            warm.turn(0);
        } catch (Exception e) {
            System.err.println("voice bench: the warm-up session failed, is the stack running? " + e);
            threads.shutdownNow();
            return 1;
        }
        clearSamples();

        Map<String, Long> pids = new LinkedHashMap<>();
        for (String name : concat(SERVICES, OTHERS)) {
            long pid = readPid(runDir.resolve(name + ".pid"));
            if (pid > 0) {
                pids.put(name, pid);
            }
        }
        Map<String, long[]> ticksBefore = ticks(pids);
        long cpuSelfBefore = selfCpuNanos();
        long loadStart = System.nanoTime();
        counting = true;

        CountDownLatch finished = new CountDownLatch(options.sessions());
        List<Session> open = Collections.synchronizedList(new ArrayList<>());
        for (int i = 0; i < options.sessions(); i++) {
            long startAt = loadStart + TimeUnit.MILLISECONDS.toNanos((long) i * options.staggerMillis());
            threads.submit(() -> {
                Session session = null;
                try {
                    sleepUntil(startAt);
                    session = open();
                    open.add(session);
                    session.configure();
                    session.startStreaming();
                    for (int turn = 0; turn < options.turns(); turn++) {
                        session.turn(turn);
                        completedTurns.incrementAndGet();
                    }
                    completedSessions.incrementAndGet();
                } catch (Exception e) {
                    failures.add((session == null ? "(connecting)" : session.id) + ": " + e.getMessage());
                } finally {
                    if (session != null) {
                        session.stopStreaming();
                    }
                    finished.countDown();
                }
            });
        }
        boolean allFinished = finished.await(remainingNanos(), TimeUnit.NANOSECONDS);
        counting = false;
        double loadSeconds = (System.nanoTime() - loadStart) / 1e9;
        Map<String, long[]> ticksAfter = ticks(pids);
        long cpuSelf = selfCpuNanos() - cpuSelfBefore;
        for (Session session : List.copyOf(open)) {
            session.stopStreaming();
            session.close();
        }

        double audioSeconds = chunksSent.get() * CHUNK_MS / 1000.0;
        System.out.println();
        System.out.printf(Locale.ROOT, "sessions          %d started, %d completed every turn%s%n", options.sessions(),
                completedSessions.get(), allFinished ? "" : " (deadline hit: the rest were aborted)");
        System.out.printf(Locale.ROOT, "turns             %d completed in %.1f s; %.1f s of audio streamed in, %.1f s of audio answers out%n",
                completedTurns.get(), loadSeconds, audioSeconds, answerSamples.get() / (double) RATE);
        print("speech_stopped -> first output_audio.delta", stoppedToFirstAudio);
        print("end of speech sent -> speech_stopped", audioEndToStopped);
        print("speech_stopped -> transcription.completed", stoppedToTranscript);
        print("speech_stopped -> response.created", stoppedToCreated);
        print("speech_stopped -> response.done", stoppedToDone);
        print("chunk send lateness vs 20 ms pace", sendLateness);

        double clock = clockTicks();
        double serviceCpu = 0;
        StringBuilder parts = new StringBuilder();
        for (String name : SERVICES) {
            long[] before = ticksBefore.get(name);
            long[] after = ticksAfter.get(name);
            if (before == null || after == null) {
                parts.append(String.format(Locale.ROOT, " %s ?", name));
                continue;
            }
            double own = (after[0] - before[0]) / clock;
            double children = (after[1] - before[1]) / clock;
            serviceCpu += own + children;
            parts.append(String.format(Locale.ROOT, " %s %.1f s", name, own + children));
            if (children > 0) {
                parts.append(String.format(Locale.ROOT, " (%.1f s in its engine processes)", children));
            }
            parts.append(';');
        }
        StringBuilder others = new StringBuilder();
        for (String name : OTHERS) {
            long[] before = ticksBefore.get(name);
            long[] after = ticksAfter.get(name);
            if (before != null && after != null) {
                others.append(String.format(Locale.ROOT, " %s %.1f s;", name,
                        (after[0] + after[1] - before[0] - before[1]) / clock));
            }
        }
        others.append(String.format(Locale.ROOT, " this driver %.1f s", cpuSelf / 1e9));
        if (ticksBefore.keySet().containsAll(SERVICES) && ticksAfter.keySet().containsAll(SERVICES)) {
            System.out.printf(Locale.ROOT, "service CPU       %.1f s over %.1f s wall (%.2f cores):%s%n", serviceCpu,
                    loadSeconds, serviceCpu / Math.max(loadSeconds, 1e-9), parts.substring(0, parts.length() - 1));
            System.out.printf(Locale.ROOT, "CPU per session   %.2f s CPU per session (%d turns each)%n",
                    serviceCpu / options.sessions(), options.turns());
            System.out.printf(Locale.ROOT, "CPU per audio s   %.0f ms CPU per second of audio streamed in (%.3f cores per live stream)%n",
                    1000 * serviceCpu / Math.max(audioSeconds, 1e-9), serviceCpu / Math.max(audioSeconds, 1e-9));
        } else {
            System.out.println("service CPU       unknown: missing pid files in " + runDir + " (" + parts.toString().trim() + ")");
        }
        System.out.printf(Locale.ROOT, "not counted       CPU%s%n", others);
        if (!transcripts.isEmpty()) {
            System.out.println("transcripts       e.g. \"" + transcripts.peek() + "\"");
        }
        if (!failures.isEmpty()) {
            System.out.printf(Locale.ROOT, "failures          %d; first ones:%n", failures.size());
            failures.stream().limit(10).forEach(f -> System.out.println("  " + f));
        }
        threads.shutdownNow();
        return failures.isEmpty() && allFinished ? 0 : 1;
    }

    private void clearSamples() {
        for (var q : List.of(audioEndToStopped, stoppedToTranscript, stoppedToCreated, stoppedToFirstAudio,
                stoppedToDone, sendLateness)) {
            q.clear();
        }
        transcripts.clear();
        chunksSent.set(0);
        answerSamples.set(0);
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    private Session open() throws Exception {
        Session session = new Session();
        session.socket = http.newWebSocketBuilder()
                .header("Authorization", "Bearer " + apiKey)
                .connectTimeout(Duration.ofSeconds(10))
                .buildAsync(uri, session)
                .get(remainingNanos(), TimeUnit.NANOSECONDS);
        Event created = session.await("session.created");
        session.id = created.json().path("session").path("id").asText("?");
        session.await("conversation.created");
        return session;
    }

    private long remainingNanos() {
        return Math.max(0, deadlineNanos - System.nanoTime());
    }

    private static void sleepUntil(long nanoTime) {
        long wait;
        while ((wait = nanoTime - System.nanoTime()) > 0) {
            LockSupport.parkNanos(wait);
        }
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

    /**
     * CPU clock ticks of each process that is still readable: {@code [utime+stime, cutime+cstime]},
     * the second being its finished child processes (the stt worker's recogniser, the tts engines).
     */
    private static Map<String, long[]> ticks(Map<String, Long> pids) {
        Map<String, long[]> out = new LinkedHashMap<>();
        pids.forEach((name, pid) -> {
            try {
                String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
                // Fields after "(comm)" start with field 3 (state); utime, stime, cutime, cstime are 14..17.
                String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split("\\s+");
                out.put(name, new long[] {Long.parseLong(f[11]) + Long.parseLong(f[12]),
                        Long.parseLong(f[13]) + Long.parseLong(f[14])});
            } catch (IOException | RuntimeException e) {
                // gone or unreadable: left out
            }
        });
        return out;
    }

    private static double clockTicks() {
        try {
            Process p = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
            if (p.waitFor(5, TimeUnit.SECONDS) && p.exitValue() == 0) {
                return Double.parseDouble(out);
            }
        } catch (IOException | RuntimeException e) {
            // fall through
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 100;
    }

    private static long selfCpuNanos() {
        var os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        return os instanceof com.sun.management.OperatingSystemMXBean sun ? sun.getProcessCpuTime() : 0;
    }

    record Event(long nanos, String type, JsonNode json) {
    }

    /**
     * One spoken session: the socket listener queues events; a sender thread streams 20 ms chunks at
     * real-time pace (silence, or the question when a turn asks for it); the driver thread waits on
     * the events of each turn.
     */
    private final class Session implements WebSocket.Listener, AutoCloseable {
        private final LinkedBlockingQueue<Event> events = new LinkedBlockingQueue<>();
        private final StringBuilder partial = new StringBuilder();
        private final LinkedBlockingQueue<Long> speechSent = new LinkedBlockingQueue<>();
        private volatile WebSocket socket;
        private volatile String closedBecause;
        private volatile boolean speak;
        private volatile boolean streaming;
        private Thread sender;
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
                    case "conversation.item.input_audio_transcription.failed" -> throw new IllegalStateException(
                            "transcription failed waiting for " + what + ": " + event.json().path("error"));
                    default -> {
                        // another event on the way: transcript deltas, rate_limits.updated, ...
                    }
                }
            }
        }

        /** The session as a voice client sets it: PCM16 24 kHz both ways, server_vad, audio answers. */
        void configure() throws Exception {
            ObjectNode update = JSON.createObjectNode().put("type", "session.update");
            ObjectNode session = update.putObject("session").put("type", "realtime");
            session.putArray("output_modalities").add("audio");
            ObjectNode audio = session.putObject("audio");
            ObjectNode input = audio.putObject("input");
            input.putObject("format").put("type", "audio/pcm").put("rate", RATE);
            input.putObject("transcription").put("model", "whisper-1").put("language", "en");
            input.putObject("turn_detection").put("type", "server_vad")
                    .put("silence_duration_ms", options.silenceMillis())
                    .put("create_response", true).put("interrupt_response", true);
            ObjectNode output = audio.putObject("output");
            output.putObject("format").put("type", "audio/pcm").put("rate", RATE);
            output.put("voice", options.voice());
            send(update);
            await("session.updated");
        }

        /** Starts the microphone: silence until a turn speaks, 20 ms a chunk, on an absolute schedule. */
        void startStreaming() {
            streaming = true;
            String silence = base64(new short[CHUNK_SAMPLES], 0, CHUNK_SAMPLES);
            sender = Thread.ofVirtual().name("voice-bench-mic-" + id).start(() -> {
                long next = System.nanoTime();
                int at = -1;   // position in the question while speaking, -1 when silent
                try {
                    while (streaming && remainingNanos() > 0) {
                        String chunk;
                        if (at < 0 && speak) {
                            at = 0;
                        }
                        if (at >= 0) {
                            int end = Math.min(question.length, at + CHUNK_SAMPLES);
                            short[] slice = new short[CHUNK_SAMPLES];
                            System.arraycopy(question, at, slice, 0, end - at);
                            chunk = base64(slice, 0, CHUNK_SAMPLES);
                            at = end;
                        } else {
                            chunk = silence;
                        }
                        sleepUntil(next);
                        long late = System.nanoTime() - next;
                        ObjectNode append = JSON.createObjectNode().put("type", "input_audio_buffer.append")
                                .put("audio", chunk);
                        socket.sendText(JSON.writeValueAsString(append), true).get(5, TimeUnit.SECONDS);
                        if (counting) {
                            chunksSent.incrementAndGet();
                            sendLateness.add(Math.max(0, late));
                        }
                        if (at >= question.length) {
                            at = -1;
                            speak = false;
                            speechSent.add(System.nanoTime());
                        }
                        next += TimeUnit.MILLISECONDS.toNanos(CHUNK_MS);
                    }
                } catch (Exception e) {
                    if (streaming) {
                        failures.add(id + ": audio stream stopped: " + e);
                    }
                }
            });
        }

        void stopStreaming() {
            streaming = false;
            Thread t = sender;
            if (t != null) {
                try {
                    t.join(Duration.ofSeconds(2));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }

        /** Says the question, then waits for the spoken answer to finish; then a pause of silence. */
        void turn(int n) throws Exception {
            speechSent.clear();
            speak = true;
            Event started = await("input_audio_buffer.speech_started");
            String item = started.json().path("item_id").asText();
            Event stopped = await("input_audio_buffer.speech_stopped");
            Long endSent = speechSent.poll(remainingNanos(), TimeUnit.NANOSECONDS);
            Event transcript = null;
            Event created = null;
            Event firstAudio = null;
            long samples = 0;
            while (true) {
                Event e = await(x -> switch (x.type()) {
                    case "conversation.item.input_audio_transcription.completed", "response.created",
                         "response.output_audio.delta", "response.done" -> true;
                    default -> false;
                }, "the answer of turn " + n);
                switch (e.type()) {
                    case "conversation.item.input_audio_transcription.completed" -> {
                        if (item.equals(e.json().path("item_id").asText())) {
                            transcript = e;
                        }
                    }
                    case "response.created" -> created = created == null ? e : created;
                    case "response.output_audio.delta" -> {
                        firstAudio = firstAudio == null ? e : firstAudio;
                        samples += Base64.getDecoder().decode(e.json().path("delta").asText()).length / 2;
                    }
                    default -> {
                        // response.done
                    }
                }
                if (e.type().equals("response.done")) {
                    JsonNode response = e.json().path("response");
                    String status = response.path("status").asText();
                    if (!"completed".equals(status)) {
                        throw new IllegalStateException("turn " + n + ": response " + status + ": "
                                + response.path("status_details"));
                    }
                    if (firstAudio == null) {
                        throw new IllegalStateException("turn " + n + ": a completed response without audio");
                    }
                    if (counting) {
                        long t0 = stopped.nanos();
                        stoppedToFirstAudio.add(firstAudio.nanos() - t0);
                        stoppedToDone.add(e.nanos() - t0);
                        if (endSent != null && stopped.nanos() > endSent) {
                            audioEndToStopped.add(stopped.nanos() - endSent);
                        }
                        if (transcript != null) {
                            stoppedToTranscript.add(transcript.nanos() - t0);
                            if (transcripts.size() < 3) {
                                transcripts.add(transcript.json().path("transcript").asText());
                            }
                        }
                        if (created != null) {
                            stoppedToCreated.add(created.nanos() - t0);
                        }
                        answerSamples.addAndGet(samples);
                    }
                    break;
                }
            }
            Thread.sleep(Math.min(options.pauseMillis(), TimeUnit.NANOSECONDS.toMillis(remainingNanos())));
        }

        @Override
        public void close() {
            stopStreaming();
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

    private static String base64(short[] samples, int from, int to) {
        ByteBuffer bytes = ByteBuffer.allocate((to - from) * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = from; i < to; i++) {
            bytes.putShort(samples[i]);
        }
        return Base64.getEncoder().encodeToString(bytes.array());
    }
}
