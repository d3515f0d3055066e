package dev.agentvoicebox.tts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.agentvoicebox.platform.RedisConnections;
import dev.agentvoicebox.platform.StreamPublisher;
import dev.agentvoicebox.platform.testing.Poll;
import dev.agentvoicebox.platform.testing.Prerequisites;
import dev.agentvoicebox.platform.testing.RedisServer;
import dev.agentvoicebox.platform.testing.Teardown;
import dev.agentvoicebox.platform.testing.WorkerTest;
import dev.agentvoicebox.protocol.Envelope;
import dev.agentvoicebox.protocol.Kinds;
import dev.agentvoicebox.protocol.Streams;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The worker end to end through a real redis-server with the real espeak-ng, FreeTTS and flite. */
class WorkerRedisTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static RedisServer redisServer;
    private static RedisConnections redis;
    private static TtsService service;

    @BeforeAll
    static void start() {
        Prerequisites.onPath("espeak-ng");
        Prerequisites.onPath("flite");
        redisServer = RedisServer.start();
        redis = new RedisConnections(redisServer.url());
        Map<String, String> env = new HashMap<>();
        env.put("AVB_REDIS_URL", redisServer.url());
        env.put("AVB_TTS_PORT", "0");
        env.put("AVB_WORKER_ID", "tts-test-" + UUID.randomUUID());
        env.put("AVB_TTS_VOICES", "marin=flite:slt,cedar=freetts:kevin16");
        service = TtsService.start(WorkerTest.settings(env), env);
    }

    @AfterAll
    static void stop() throws Exception {
        Teardown.closeAll(service, redis, redisServer);
    }

    private static Envelope job(String responseId, String replyTo, String payload) {
        return new Envelope(
                Kinds.TTS_REQUEST,
                "tenant-1",
                "project-1",
                "sess-1",
                responseId,
                "item-1",
                0,
                System.currentTimeMillis() + 120_000,
                "",
                "",
                replyTo,
                1,
                payload);
    }

    private static List<Envelope> results(String stream) {
        return WorkerTest.results(redis, stream);
    }

    private static boolean finished(String stream) {
        return results(stream).stream()
                .anyMatch(e -> e.kind().equals(Kinds.TTS_DONE) || e.kind().equals(Kinds.TTS_ERROR));
    }

    private static String request(String text, String voice, double speed, int rate, int segment) {
        return JSON.createObjectNode()
                .put("text", text)
                .put("voice", voice)
                .put("speed", speed)
                .put("rate", rate)
                .put("segment", segment)
                .toString();
    }

    /** Checks the stream of one segment and returns its audio. */
    private static short[] audioOf(List<Envelope> results, int rate, int segment) throws Exception {
        long total = 0;
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        for (int i = 0; i < results.size(); i++) {
            Envelope e = results.get(i);
            assertEquals(i + 1, e.seq());
            JsonNode payload = JSON.readTree(e.payload());
            assertEquals(segment, payload.path("segment").asInt());
            if (i < results.size() - 1) {
                assertEquals(Kinds.TTS_AUDIO, e.kind());
                assertEquals(rate, payload.path("rate").asInt());
                byte[] chunk = Base64.getDecoder().decode(payload.path("audio").asText());
                total += chunk.length / 2;
                bytes.writeBytes(chunk);
            } else {
                assertEquals(Kinds.TTS_DONE, e.kind(), e.payload());
                assertEquals(total, payload.path("samples").asLong());
            }
        }
        byte[] all = bytes.toByteArray();
        return Pcm.fromLittleEndian(all, 0, all.length);
    }

    private static double dbfs(short[] samples) {
        double sum = 0;
        for (short s : samples) {
            sum += (s / 32768.0) * (s / 32768.0);
        }
        return 10 * Math.log10(sum / Math.max(1, samples.length) + 1e-12);
    }

    @Test
    void synthesisesEachEngineAtTheRequestedRate() throws Exception {
        var publisher = new StreamPublisher(redis.shared());
        String sentence = "Hello world, this is a test of the voice.";
        Object[][] cases = {{"alloy", 24_000, "espeak"}, {"cedar", 8_000, "freetts"}, {"marin", 16_000, "flite"}};
        for (Object[] c : cases) {
            String replyTo = Streams.gatewayStream("gw-" + c[0]);
            publisher.publish(
                    Streams.TTS_JOBS,
                    job("resp-" + c[0], replyTo, request(sentence, (String) c[0], 1.0, (int) c[1], 3)));
            Poll.until(WAIT, () -> finished(replyTo), "tts " + c[0]);
            List<Envelope> results = results(replyTo);
            short[] audio = audioOf(results, (int) c[1], 3);
            double seconds = audio.length / (double) (int) c[1];
            assertTrue(seconds > 1.5 && seconds < 5, c[0] + " duration " + seconds);
            assertTrue(dbfs(audio) > -35, c[0] + " level " + dbfs(audio));
            JsonNode done = JSON.readTree(results.get(results.size() - 1).payload());
            assertEquals(c[2], done.path("engine").asText());
            assertEquals(c[0], done.path("voice").asText());
            // 200 ms chunks except the last.
            assertEquals(
                    (int) c[1] / 5 * 2,
                    Base64.getDecoder()
                            .decode(JSON.readTree(results.get(0).payload())
                                    .path("audio")
                                    .asText())
                            .length);
        }
    }

    @Test
    void cancelStopsALongSynthesis() throws Exception {
        String replyTo = Streams.gatewayStream("gw-cancel");
        var publisher = new StreamPublisher(redis.shared());
        String text = "This is a long sentence that keeps going. ".repeat(90);
        publisher.publish(Streams.TTS_JOBS, job("resp-cancel", replyTo, request(text, "alloy", 1.0, 24_000, 0)));
        Poll.until(WAIT, () -> !results(replyTo).isEmpty(), "first audio");
        publisher.cancel("resp-cancel");
        Poll.until(
                WAIT,
                () -> redis.shared()
                                .sync()
                                .xpending(Streams.TTS_JOBS, Streams.TTS_GROUP)
                                .getCount()
                        == 0,
                "job acked");
        int afterAck = results(replyTo).size();
        Thread.sleep(500);
        List<Envelope> results = results(replyTo);
        assertEquals(afterAck, results.size(), "nothing written after the job ended");
        assertFalse(results.stream().anyMatch(e -> e.kind().equals(Kinds.TTS_DONE)), "a cancelled segment has no done");
        // The whole text is about 220 s of audio: 1100 chunks of 200 ms.
        assertTrue(results.size() < 1100, "stopped early: " + results.size() + " chunks");
        assertTrue(
                ProcessHandle.current()
                        .descendants()
                        .noneMatch(p -> p.info().command().orElse("").contains("espeak")),
                "the espeak process is gone");
    }

    @Test
    void badRequestsAnswerErrors() throws Exception {
        String replyTo = Streams.gatewayStream("gw-bad");
        var publisher = new StreamPublisher(redis.shared());
        publisher.publish(Streams.TTS_JOBS, job("r1", replyTo, request("Hi.", "nobody", 1.0, 24_000, 0)));
        publisher.publish(Streams.TTS_JOBS, job("r2", replyTo, request("Hi.", "alloy", 2.0, 24_000, 1)));
        publisher.publish(Streams.TTS_JOBS, job("r3", replyTo, request("Hi.", "alloy", 1.0, 44_100, 2)));
        publisher.publish(Streams.TTS_JOBS, job("r4", replyTo, request("  ", "alloy", 1.0, 24_000, 3)));
        Poll.until(WAIT, () -> results(replyTo).size() == 4, "four errors");
        for (Envelope e : results(replyTo)) {
            assertEquals(Kinds.TTS_ERROR, e.kind());
            assertEquals(
                    "invalid_request", JSON.readTree(e.payload()).path("code").asText(), e.payload());
        }
    }

    @Test
    void listsTheVoiceCatalog() throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + service.port() + "/v1/tts/voices"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode());
        assertTrue(response.headers().firstValue("content-type").orElse("").startsWith("application/json"));
        JsonNode body = JSON.readTree(response.body());
        assertEquals("list", body.path("object").asText());
        assertEquals(VoiceCatalog.NAMES.size(), body.path("data").size());
        Map<String, JsonNode> byId = new HashMap<>();
        body.path("data").forEach(v -> byId.put(v.path("id").asText(), v));
        assertEquals(new java.util.HashSet<>(VoiceCatalog.NAMES), byId.keySet());
        assertEquals("espeak", byId.get("alloy").path("engine").asText());
        assertEquals("en-us+f3", byId.get("alloy").path("engine_voice").asText());
        assertEquals("flite", byId.get("marin").path("engine").asText());
        assertEquals("freetts", byId.get("cedar").path("engine").asText());
    }
}
