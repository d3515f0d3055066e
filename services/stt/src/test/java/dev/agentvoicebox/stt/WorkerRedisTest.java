package dev.agentvoicebox.stt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.agentvoicebox.platform.RedisConnections;
import dev.agentvoicebox.platform.StreamPublisher;
import dev.agentvoicebox.platform.testing.FliteSpeech;
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

/** The worker end to end: a real redis-server, the real pocketsphinx, flite speech. */
class WorkerRedisTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static RedisServer redisServer;
    private static RedisConnections redis;
    private static SttService service;
    private static byte[] speech;

    @BeforeAll
    static void start() throws Exception {
        Prerequisites.onPath("pocketsphinx_continuous");
        Prerequisites.onPath("flite");
        redisServer = RedisServer.start();
        redis = new RedisConnections(redisServer.url());
        Map<String, String> env = new HashMap<>();
        env.put("AVB_REDIS_URL", redisServer.url());
        env.put("AVB_STT_PORT", "0");
        env.put("AVB_WORKER_ID", "stt-test-" + UUID.randomUUID());
        service = SttService.start(WorkerTest.settings(env), env);
        speech = FliteSpeech.pcm16k("Hello world. What is the weather today?");
    }

    @AfterAll
    static void stop() throws Exception {
        Teardown.closeAll(service, redis, redisServer);
    }

    private static Envelope job(String responseId, String replyTo, String payload) {
        return new Envelope(
                Kinds.STT_REQUEST,
                "tenant-1",
                "project-1",
                "sess-1",
                responseId,
                "item-1",
                0,
                System.currentTimeMillis() + 60_000,
                "",
                "",
                replyTo,
                1,
                payload);
    }

    private static List<Envelope> results(String stream) {
        return WorkerTest.results(redis, stream);
    }

    private static List<Envelope> awaitFinal(String stream) {
        Poll.until(
                WAIT,
                () -> results(stream).stream()
                        .anyMatch(
                                e -> e.kind().equals(Kinds.STT_DONE) || e.kind().equals(Kinds.STT_ERROR)),
                "final result on " + stream);
        return results(stream);
    }

    @Test
    void transcribesInlineAudioToDeltaAndDone() throws Exception {
        String replyTo = Streams.gatewayStream("gw-inline");
        String payload = JSON.createObjectNode()
                .put("audio", Base64.getEncoder().encodeToString(speech))
                .put("language", "en")
                .toString();
        new StreamPublisher(redis.shared()).publish(Streams.STT_JOBS, job("resp-1", replyTo, payload));
        List<Envelope> results = awaitFinal(replyTo);

        assertEquals(2, results.size(), results.toString());
        assertEquals(Kinds.STT_DELTA, results.get(0).kind());
        assertEquals(1, results.get(0).seq());
        assertEquals(Kinds.STT_DONE, results.get(1).kind());
        assertEquals(2, results.get(1).seq());
        assertEquals("item-1", results.get(1).itemId());
        JsonNode done = JSON.readTree(results.get(1).payload());
        String transcript = done.path("transcript").asText().toLowerCase(java.util.Locale.ROOT);
        assertTrue(transcript.contains("hello") && transcript.contains("weather"), transcript);
        assertEquals(
                JSON.readTree(results.get(0).payload()).path("delta").asText(),
                done.path("transcript").asText());
        assertEquals("duration", done.path("usage").path("type").asText());
        assertEquals(
                speech.length / 32_000.0, done.path("usage").path("seconds").asDouble(), 0.001);
        assertEquals("pocketsphinx", done.path("engine").asText());
        Poll.until(
                WAIT,
                () -> redis.shared()
                                .sync()
                                .xpending(Streams.STT_JOBS, Streams.STT_GROUP)
                                .getCount()
                        == 0,
                "job acked");
    }

    @Test
    void readsLargeTurnsFromTheirAudioKey() throws Exception {
        String replyTo = Streams.gatewayStream("gw-key");
        String key = Streams.sttAudioKey("sess-1", "item-2");
        redis.shared().sync().setex(key, 300, Base64.getEncoder().encodeToString(speech));
        String payload = JSON.createObjectNode().put("audio_key", key).toString();
        new StreamPublisher(redis.shared()).publish(Streams.STT_JOBS, job("resp-2", replyTo, payload));
        List<Envelope> results = awaitFinal(replyTo);
        Envelope last = results.get(results.size() - 1);
        assertEquals(Kinds.STT_DONE, last.kind());
        assertTrue(JSON.readTree(last.payload())
                .path("transcript")
                .asText()
                .toLowerCase(java.util.Locale.ROOT)
                .contains("weather"));
    }

    @Test
    void badRequestsAnswerStructuredErrors() throws Exception {
        String replyTo = Streams.gatewayStream("gw-bad");
        var publisher = new StreamPublisher(redis.shared());
        publisher.publish(Streams.STT_JOBS, job("resp-3", replyTo, "{\"audio_key\":\"avb:sess:{x}:audio:gone\"}"));
        publisher.publish(Streams.STT_JOBS, job("resp-4", replyTo, "{\"audio\":\"AAAA\"}"));
        publisher.publish(Streams.STT_JOBS, job("resp-5", replyTo, "{\"audio\":\"AAAAAAAA\",\"language\":\"de\"}"));
        publisher.publish(Streams.STT_JOBS, job("resp-6", replyTo, "{\"audio\":\"!!!!\"}"));
        Poll.until(WAIT, () -> results(replyTo).size() == 4, "four errors");
        Map<String, JsonNode> byResponse = new HashMap<>();
        for (Envelope e : results(replyTo)) {
            assertEquals(Kinds.STT_ERROR, e.kind());
            byResponse.put(e.responseId(), JSON.readTree(e.payload()));
        }
        assertEquals("invalid_request", byResponse.get("resp-3").path("code").asText());
        assertTrue(byResponse.get("resp-3").path("message").asText().contains("expired"));
        assertEquals("invalid_request", byResponse.get("resp-4").path("code").asText());
        assertTrue(byResponse.get("resp-4").path("message").asText().contains("whole PCM16 samples"));
        assertTrue(byResponse.get("resp-6").path("message").asText().contains("base64"));
        assertEquals(
                "unsupported_language", byResponse.get("resp-5").path("code").asText());
    }

    @Test
    void healthReportsTheEngine() throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + service.port() + "/observe/health"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode());
        assertTrue(response.body().contains("pocketsphinx"), response.body());
    }
}
