package dev.agentvoicebox.gateway.bench;

import static dev.agentvoicebox.gateway.bench.BenchSupport.JSON;
import static dev.agentvoicebox.gateway.bench.BenchSupport.env;
import static dev.agentvoicebox.gateway.bench.BenchSupport.print;
import static dev.agentvoicebox.gateway.bench.BenchSupport.readPid;
import static dev.agentvoicebox.gateway.bench.BenchSupport.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentvoicebox.gateway.audio.Fixtures;
import dev.agentvoicebox.gateway.bench.BenchSocket.Event;
import dev.agentvoicebox.gateway.bench.BenchSocket.Gateway;
import dev.agentvoicebox.platform.audio.Resampler;
import java.io.IOException;
import java.net.http.HttpClient;
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
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

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
    private static final int RATE = 24_000;
    private static final int CHUNK_MS = 20;
    private static final int CHUNK_SAMPLES = RATE * CHUNK_MS / 1000;
    private static final List<String> SERVICES = List.of("gateway", "stt", "tts", "llm");
    private static final List<String> OTHERS = List.of("redis", "opa");

    private final Options options;
    private final Gateway gateway;
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

    record Options(
            int sessions,
            int turns,
            int deadlineSeconds,
            int silenceMillis,
            int pauseMillis,
            int staggerMillis,
            String question,
            String voice) {}

    @Command(
            name = "VoiceBench",
            mixinStandardHelpOptions = true,
            description = "M concurrent spoken sessions against the local stack; latency after speech stops, CPU.")
    static final class Cli implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--sessions", defaultValue = "8", description = "concurrent sessions, 1..64")
        int sessions;

        @Option(names = "--turns", defaultValue = "3", description = "spoken turns per session, 1..20")
        int turns;

        @Option(names = "--deadline-s", defaultValue = "180", description = "hard deadline in seconds, 10..1800")
        int deadlineSeconds;

        @Option(
                names = "--silence-ms",
                defaultValue = "500",
                description = "silence after the question (server_vad silence_duration_ms), 200..3000")
        int silenceMillis;

        @Option(names = "--pause-ms", defaultValue = "1000", description = "pause between turns, 0..10000")
        int pauseMillis;

        @Option(names = "--stagger-ms", defaultValue = "300", description = "delay between session starts, 0..5000")
        int staggerMillis;

        @Option(
                names = "--question",
                defaultValue = "hello world what is the weather today",
                description = "what flite speaks")
        String question;

        @Option(names = "--voice", defaultValue = "alloy", description = "the answer's voice")
        String voice;

        @Override
        public Integer call() throws Exception {
            Options options = new Options(
                    within(spec, "--sessions", sessions, 1, 64),
                    within(spec, "--turns", turns, 1, 20),
                    within(spec, "--deadline-s", deadlineSeconds, 10, 1800),
                    within(spec, "--silence-ms", silenceMillis, 200, 3000),
                    within(spec, "--pause-ms", pauseMillis, 0, 10000),
                    within(spec, "--stagger-ms", staggerMillis, 0, 5000),
                    question,
                    voice);
            Gateway gateway = Gateway.fromEnv("voice bench");
            Path runDir = Path.of(env("AVB_RUN_DIR", ".avb/run"));
            short[] spoken = Resampler.convert(Fixtures.speech(options.question()), 16_000, RATE);
            return new VoiceBench(options, gateway, spoken).run(runDir);
        }
    }

    VoiceBench(Options options, Gateway gateway, short[] question) {
        this.options = options;
        this.gateway = gateway;
        this.question = question;
        this.deadlineNanos = System.nanoTime() + TimeUnit.SECONDS.toNanos(options.deadlineSeconds());
        this.http = HttpClient.newBuilder()
                .executor(threads)
                .connectTimeout(Duration.ofSeconds(10))
                .build();
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new Cli()).execute(args));
    }

    int run(Path runDir) throws Exception {
        double questionSeconds = question.length / (double) RATE;
        System.out.printf(
                Locale.ROOT,
                "voice bench: %s, %d sessions x %d spoken turns (\"%s\", %.2f s of speech;"
                        + " server_vad silence %d ms; audio answers, voice %s), deadline %d s%n",
                gateway.uri(),
                options.sessions(),
                options.turns(),
                options.question(),
                questionSeconds,
                options.silenceMillis(),
                options.voice(),
                options.deadlineSeconds());

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
        System.out.printf(
                Locale.ROOT,
                "sessions          %d started, %d completed every turn%s%n",
                options.sessions(),
                completedSessions.get(),
                allFinished ? "" : " (deadline hit: the rest were aborted)");
        System.out.printf(
                Locale.ROOT,
                "turns             %d completed in %.1f s; %.1f s of audio streamed in, %.1f s of audio answers out%n",
                completedTurns.get(),
                loadSeconds,
                audioSeconds,
                answerSamples.get() / (double) RATE);
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
                others.append(String.format(
                        Locale.ROOT, " %s %.1f s;", name, (after[0] + after[1] - before[0] - before[1]) / clock));
            }
        }
        others.append(String.format(Locale.ROOT, " this driver %.1f s", cpuSelf / 1e9));
        if (ticksBefore.keySet().containsAll(SERVICES) && ticksAfter.keySet().containsAll(SERVICES)) {
            System.out.printf(
                    Locale.ROOT,
                    "service CPU       %.1f s over %.1f s wall (%.2f cores):%s%n",
                    serviceCpu,
                    loadSeconds,
                    serviceCpu / Math.max(loadSeconds, 1e-9),
                    parts.substring(0, parts.length() - 1));
            System.out.printf(
                    Locale.ROOT,
                    "CPU per session   %.2f s CPU per session (%d turns each)%n",
                    serviceCpu / options.sessions(),
                    options.turns());
            System.out.printf(
                    Locale.ROOT,
                    "CPU per audio s   %.0f ms CPU per second of audio streamed in (%.3f cores per live stream)%n",
                    1000 * serviceCpu / Math.max(audioSeconds, 1e-9),
                    serviceCpu / Math.max(audioSeconds, 1e-9));
        } else {
            System.out.println("service CPU       unknown: missing pid files in " + runDir + " ("
                    + parts.toString().trim() + ")");
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
        for (var q : List.of(
                audioEndToStopped,
                stoppedToTranscript,
                stoppedToCreated,
                stoppedToFirstAudio,
                stoppedToDone,
                sendLateness)) {
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
        session.connect(http, gateway);
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
                out.put(name, new long[] {
                    Long.parseLong(f[11]) + Long.parseLong(f[12]), Long.parseLong(f[13]) + Long.parseLong(f[14])
                });
            } catch (IOException | RuntimeException e) {
                // gone or unreadable: left out
            }
        });
        return out;
    }

    private static double clockTicks() {
        try {
            Process p = new ProcessBuilder("getconf", "CLK_TCK")
                    .redirectErrorStream(true)
                    .start();
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

    /**
     * One spoken session: the socket listener queues events; a sender thread streams 20 ms chunks at
     * real-time pace (silence, or the question when a turn asks for it); the driver thread waits on
     * the events of each turn.
     */
    private final class Session extends BenchSocket {
        private final LinkedBlockingQueue<Long> speechSent = new LinkedBlockingQueue<>();
        private volatile boolean speak;
        private volatile boolean streaming;
        private Thread sender;

        Session() {
            super(deadlineNanos);
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
            input.putObject("turn_detection")
                    .put("type", "server_vad")
                    .put("silence_duration_ms", options.silenceMillis())
                    .put("create_response", true)
                    .put("interrupt_response", true);
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
                int at = -1; // position in the question while speaking, -1 when silent
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
                        ObjectNode append = JSON.createObjectNode()
                                .put("type", "input_audio_buffer.append")
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
                Event e = await(
                        x -> switch (x.type()) {
                            case "conversation.item.input_audio_transcription.completed",
                                    "response.created",
                                    "response.output_audio.delta",
                                    "response.done" -> true;
                            default -> false;
                        },
                        "the answer of turn " + n);
                switch (e.type()) {
                    case "conversation.item.input_audio_transcription.completed" -> {
                        if (item.equals(e.json().path("item_id").asText())) {
                            transcript = e;
                        }
                    }
                    case "response.created" -> created = created == null ? e : created;
                    case "response.output_audio.delta" -> {
                        firstAudio = firstAudio == null ? e : firstAudio;
                        samples += Base64.getDecoder()
                                        .decode(e.json().path("delta").asText())
                                        .length
                                / 2;
                    }
                    default -> {
                        // response.done
                    }
                }
                if (e.type().equals("response.done")) {
                    JsonNode response = e.json().path("response");
                    String status = response.path("status").asText();
                    if (!"completed".equals(status)) {
                        throw new IllegalStateException(
                                "turn " + n + ": response " + status + ": " + response.path("status_details"));
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
                                transcripts.add(
                                        transcript.json().path("transcript").asText());
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
            super.close();
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
