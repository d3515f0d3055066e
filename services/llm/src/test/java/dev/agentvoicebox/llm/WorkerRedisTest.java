package dev.agentvoicebox.llm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.agentvoicebox.platform.RedisConnections;
import dev.agentvoicebox.platform.StreamPublisher;
import dev.agentvoicebox.platform.testing.Poll;
import dev.agentvoicebox.platform.testing.RedisServer;
import dev.agentvoicebox.platform.testing.Teardown;
import dev.agentvoicebox.platform.testing.WorkerTest;
import dev.agentvoicebox.protocol.Envelope;
import dev.agentvoicebox.protocol.Kinds;
import dev.agentvoicebox.protocol.Streams;
import io.lettuce.core.Consumer;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XGroupCreateArgs;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.api.sync.RedisCommands;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The worker end to end through a real redis-server: jobs in, results out, reclaim and cancel. */
class WorkerRedisTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TEXT_REQUEST =
            "{\"model\":\"\",\"messages\":[{\"role\":\"system\",\"content\":\"Be nice.\"},"
                    + "{\"role\":\"user\",\"content\":\"Tell me a story\"}],\"temperature\":0.8}";
    private static final String EXPECTED_TEXT =
            ScriptedEngine.PREFIX + "No language model is configured, so I echo you. You said: Tell me a story";

    private static RedisServer redisServer;
    private static RedisConnections redis;
    private LlmService service;

    @BeforeAll
    static void startRedis() {
        redisServer = RedisServer.start();
        redis = new RedisConnections(redisServer.url());
    }

    @AfterAll
    static void stopRedis() throws Exception {
        Teardown.closeAll(redis, redisServer);
    }

    @AfterEach
    void stopService() {
        if (service != null) {
            service.close();
        }
        redis.shared().sync().flushall();
    }

    private LlmService startService(long delayMs) throws Exception {
        return startService(delayMs, Map.of());
    }

    private LlmService startService(long delayMs, Map<String, String> extraEnv) throws Exception {
        Map<String, String> env = new HashMap<>(extraEnv);
        env.put("AVB_REDIS_URL", redisServer.url());
        env.put("AVB_LLM_PORT", "0");
        env.put("AVB_LLM_SCRIPTED_DELAY_MS", Long.toString(delayMs));
        env.put("AVB_WORKER_ID", "llm-test-" + UUID.randomUUID());
        service = LlmService.start(WorkerTest.settings(env), env);
        return service;
    }

    private static Envelope job(String responseId, String replyTo, String payload) {
        return new Envelope(
                Kinds.LLM_REQUEST,
                "tenant-1",
                "project-1",
                "sess-1",
                responseId,
                "item-1",
                0,
                System.currentTimeMillis() + 60_000,
                "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
                "",
                replyTo,
                1,
                payload);
    }

    private static List<Envelope> results(String stream) {
        return WorkerTest.results(redis, stream);
    }

    private static List<Envelope> awaitFinal(String stream, Duration timeout) {
        Poll.until(
                timeout,
                () -> results(stream).stream()
                        .anyMatch(
                                e -> e.kind().equals(Kinds.LLM_DONE) || e.kind().equals(Kinds.LLM_ERROR)),
                "final result on " + stream);
        return results(stream);
    }

    private static long pending() {
        return redis.shared()
                .sync()
                .xpending(Streams.LLM_JOBS, Streams.LLM_GROUP)
                .getCount();
    }

    private static String text(List<Envelope> results) throws Exception {
        StringBuilder text = new StringBuilder();
        for (Envelope e : results) {
            if (e.kind().equals(Kinds.LLM_TEXT_DELTA)) {
                text.append(JSON.readTree(e.payload()).path("delta").asText());
            }
        }
        return text.toString();
    }

    @Test
    void streamsScriptedTextThenDoneWithUsage() throws Exception {
        startService(0);
        String replyTo = Streams.gatewayStream("gw-text");
        new StreamPublisher(redis.shared()).publish(Streams.LLM_JOBS, job("resp-text", replyTo, TEXT_REQUEST));
        List<Envelope> results = awaitFinal(replyTo, Duration.ofSeconds(10));

        int words = EXPECTED_TEXT.split(" ").length;
        assertEquals(words + 1, results.size());
        for (int i = 0; i < results.size(); i++) {
            Envelope e = results.get(i);
            assertEquals(i + 1, e.seq(), "seq counts from 1");
            assertEquals(i < words ? Kinds.LLM_TEXT_DELTA : Kinds.LLM_DONE, e.kind());
            assertEquals("resp-text", e.responseId());
            assertEquals("sess-1", e.sessionId());
            assertEquals("tenant-1", e.tenantId());
            assertEquals(1, e.attempt());
            assertEquals(replyTo, e.replyTo());
        }
        assertEquals("{\"delta\":\"[offline\"}", results.get(0).payload());
        assertEquals("{\"delta\":\" scripted\"}", results.get(1).payload());
        assertEquals(EXPECTED_TEXT, text(results));
        assertEquals(
                "{\"finish_reason\":\"stop\",\"model\":\"avb-scripted\",\"usage\":{\"input_tokens\":6,\"output_tokens\":"
                        + words + "}}",
                results.get(words).payload());
        Poll.until(Duration.ofSeconds(5), () -> pending() == 0, "job acked");
    }

    @Test
    void emitsAToolCallWithArgumentsFromTheSchema() throws Exception {
        startService(0);
        String replyTo = Streams.gatewayStream("gw-tool");
        String payload = """
                {"messages":[{"role":"user","content":"What's the weather in Paris today?"}],
                 "tools":[{"type":"function","function":{"name":"get_weather","description":"Weather for a city",
                   "parameters":{"type":"object","properties":{"city":{"type":"string"},
                     "unit":{"type":"string","enum":["celsius","fahrenheit"]},"days":{"type":"integer"}},
                     "required":["city","unit","days"]}}},
                   {"type":"function","function":{"name":"send_email","parameters":{"type":"object","properties":{}}}}],
                 "tool_choice":"auto"}""";
        new StreamPublisher(redis.shared()).publish(Streams.LLM_JOBS, job("resp-tool", replyTo, payload));
        List<Envelope> results = awaitFinal(replyTo, Duration.ofSeconds(10));

        Envelope last = results.get(results.size() - 1);
        assertEquals(Kinds.LLM_DONE, last.kind());
        JsonNode done = JSON.readTree(last.payload());
        assertEquals("tool_calls", done.path("finish_reason").asText());
        assertEquals("avb-scripted", done.path("model").asText());

        List<Envelope> deltas = results.subList(0, results.size() - 1);
        assertTrue(deltas.size() >= 3, "the call and at least two argument pieces: " + deltas.size());
        JsonNode head = JSON.readTree(deltas.get(0).payload());
        assertEquals(0, head.path("index").asInt());
        assertEquals("get_weather", head.path("name").asText());
        assertFalse(head.has("call_id"), "the gateway names the calls: " + head);
        StringBuilder arguments = new StringBuilder();
        for (Envelope e : deltas) {
            assertEquals(Kinds.LLM_TOOL_CALL_DELTA, e.kind());
            JsonNode piece = JSON.readTree(e.payload());
            assertEquals(0, piece.path("index").asInt());
            arguments.append(piece.path("arguments").asText());
        }
        for (Envelope e : deltas.subList(1, deltas.size())) {
            assertFalse(JSON.readTree(e.payload()).has("name"), "the name only on the first delta");
        }
        assertEquals("{\"city\":\"Paris\",\"unit\":\"celsius\",\"days\":0}", arguments.toString());
    }

    @Test
    void answersAToolResultByQuotingIt() throws Exception {
        startService(0);
        String replyTo = Streams.gatewayStream("gw-toolresult");
        String payload = """
                {"messages":[{"role":"user","content":"Weather in Paris?"},
                  {"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function",
                    "function":{"name":"get_weather","arguments":"{\\"city\\":\\"Paris\\"}"}}]},
                  {"role":"tool","tool_call_id":"call_1","content":"{\\"temp\\":21}"}],
                 "tools":[{"type":"function","function":{"name":"get_weather","parameters":{}}}]}""";
        new StreamPublisher(redis.shared()).publish(Streams.LLM_JOBS, job("resp-result", replyTo, payload));
        List<Envelope> results = awaitFinal(replyTo, Duration.ofSeconds(10));
        assertEquals(ScriptedEngine.PREFIX + "The tool returned: {\"temp\":21}", text(results));
        assertEquals(
                "stop",
                JSON.readTree(results.get(results.size() - 1).payload())
                        .path("finish_reason")
                        .asText());
    }

    @Test
    void maxOutputTokensTruncatesWithLength() throws Exception {
        startService(0);
        String replyTo = Streams.gatewayStream("gw-length");
        String payload = "{\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}],\"max_output_tokens\":3}";
        new StreamPublisher(redis.shared()).publish(Streams.LLM_JOBS, job("resp-length", replyTo, payload));
        List<Envelope> results = awaitFinal(replyTo, Duration.ofSeconds(10));
        assertEquals(4, results.size());
        assertEquals("[offline scripted agent]", text(results));
        JsonNode done = JSON.readTree(results.get(3).payload());
        assertEquals("length", done.path("finish_reason").asText());
        assertEquals(3, done.path("usage").path("output_tokens").asInt());
    }

    @Test
    void invalidPayloadGivesInvalidRequestError() throws Exception {
        startService(0);
        String replyTo = Streams.gatewayStream("gw-invalid");
        new StreamPublisher(redis.shared())
                .publish(Streams.LLM_JOBS, job("resp-invalid", replyTo, "{\"messages\":[]}"));
        List<Envelope> results = awaitFinal(replyTo, Duration.ofSeconds(10));
        assertEquals(1, results.size());
        assertEquals(Kinds.LLM_ERROR, results.get(0).kind());
        assertEquals(
                "{\"code\":\"invalid_request\",\"message\":\"messages must be a non-empty array\"}",
                results.get(0).payload());
    }

    @Test
    void aProvidersKeyNeverReachesTheJobErrorOrTheLog() throws Exception {
        // OpenAI's 401 quotes the key it refused, masked to its first and last characters.
        String key = "sk-proj-Zq4fK9mWx2LrT8vB";
        List<String> logged = new CopyOnWriteArrayList<>();
        Handler capture = new Handler() {
            private final SimpleFormatter format = new SimpleFormatter();

            @Override
            public void publish(LogRecord record) {
                logged.add(format.format(record));
            }

            @Override
            public void flush() {}

            @Override
            public void close() {}
        };
        capture.setLevel(Level.ALL);
        Logger root = Logger.getLogger("");
        Logger ours = Logger.getLogger("dev.agentvoicebox");
        Level before = ours.getLevel();
        ours.setLevel(Level.ALL);
        root.addHandler(capture);
        try (FakeProvider provider = new FakeProvider(FakeProvider.error(401, "sse/error_401.json"))) {
            startService(0, Map.of("AVB_LLM_BASE_URL", provider.baseUrl(), "AVB_LLM_API_KEY", key));
            String replyTo = Streams.gatewayStream("gw-401");
            new StreamPublisher(redis.shared()).publish(Streams.LLM_JOBS, job("resp-401", replyTo, TEXT_REQUEST));
            List<Envelope> results = awaitFinal(replyTo, Duration.ofSeconds(10));

            assertEquals("Bearer " + key, provider.authorizations.get(0), "the key did go to the provider");
            assertEquals(Kinds.LLM_ERROR, results.getLast().kind());
            JsonNode error = JSON.readTree(results.getLast().payload());
            assertEquals("upstream_error", error.path("code").asText());
            assertEquals(
                    "provider returned HTTP 401 (invalid_api_key)",
                    error.path("message").asText());
            Poll.until(
                    Duration.ofSeconds(5),
                    () -> logged.stream().anyMatch(line -> line.contains("HTTP 401")),
                    "the failure is logged");
        } finally {
            root.removeHandler(capture);
            ours.setLevel(before);
        }
        for (String line : logged) {
            for (String secret : List.of(key, "T8vB", "sk-proj-", "Incorrect API key")) {
                assertFalse(line.contains(secret), "the log carries '" + secret + "': " + line);
            }
        }
    }

    @Test
    void reclaimsADeadWorkersJobWithAttemptTwo() throws Exception {
        RedisCommands<String, String> commands = redis.shared().sync();
        commands.xgroupCreate(
                XReadArgs.StreamOffset.from(Streams.LLM_JOBS, "0"),
                Streams.LLM_GROUP,
                XGroupCreateArgs.Builder.mkstream());
        String replyTo = Streams.gatewayStream("gw-reclaim");
        new StreamPublisher(redis.shared()).publish(Streams.LLM_JOBS, job("resp-reclaim", replyTo, TEXT_REQUEST));
        long added = System.nanoTime();
        // A worker that read the job and died: it never acks.
        List<StreamMessage<String, String>> taken = commands.xreadgroup(
                Consumer.from(Streams.LLM_GROUP, "dead-worker"),
                XReadArgs.Builder.count(1),
                XReadArgs.StreamOffset.lastConsumed(Streams.LLM_JOBS));
        assertEquals(1, taken.size());

        startService(0);
        List<Envelope> results = awaitFinal(replyTo, Duration.ofSeconds(10));
        long tookMs = (System.nanoTime() - added) / 1_000_000;
        assertTrue(tookMs < 10_000, "reclaimed after " + tookMs + " ms");
        assertTrue(tookMs >= Streams.RECLAIM_IDLE_MS - 100, "not before the reclaim idle time: " + tookMs + " ms");
        for (Envelope e : results) {
            assertEquals(2, e.attempt());
        }
        assertEquals(1, results.get(0).seq());
        assertEquals(EXPECTED_TEXT, text(results), "the restarted attempt repeats the first one");
        Poll.until(Duration.ofSeconds(5), () -> pending() == 0, "reclaimed job acked");
    }

    @Test
    void keepsItsOwnLongJobFromBeingReclaimed() throws Exception {
        // 40 words at 200 ms: an 8 s job, longer than the 5 s reclaim idle time.
        startService(200);
        String replyTo = Streams.gatewayStream("gw-long");
        String words = String.join(" ", java.util.Collections.nCopies(28, "word"));
        String payload = "{\"messages\":[{\"role\":\"user\",\"content\":\"" + words + "\"}]}";
        new StreamPublisher(redis.shared()).publish(Streams.LLM_JOBS, job("resp-long", replyTo, payload));
        Poll.until(Duration.ofSeconds(10), () -> results(replyTo).size() >= 30, "most of the stream (past 5 s)");
        List<io.lettuce.core.models.stream.PendingMessage> running = redis.shared()
                .sync()
                .xpending(
                        Streams.LLM_JOBS,
                        Streams.LLM_GROUP,
                        io.lettuce.core.Range.create("-", "+"),
                        io.lettuce.core.Limit.from(10));
        assertEquals(1, running.size());
        assertTrue(
                running.get(0).getMsSinceLastDelivery() < 2_500,
                "re-claimed to itself every second: idle " + running.get(0).getMsSinceLastDelivery() + " ms");
        assertEquals(1, running.get(0).getRedeliveryCount());
        List<Envelope> results = awaitFinal(replyTo, Duration.ofSeconds(20));
        for (Envelope e : results) {
            assertEquals(1, e.attempt(), "never restarted by its own reclaim loop");
        }
        long dones =
                results.stream().filter(e -> e.kind().equals(Kinds.LLM_DONE)).count();
        assertEquals(1, dones);
        assertTrue(results.size() > 30);
    }

    @Test
    void cancelThroughPubSubStopsTheStream() throws Exception {
        startService(30);
        String replyTo = Streams.gatewayStream("gw-cancel");
        String words = String.join(" ", java.util.Collections.nCopies(80, "blah"));
        String payload = "{\"messages\":[{\"role\":\"user\",\"content\":\"" + words + "\"}]}";
        StreamPublisher publisher = new StreamPublisher(redis.shared());
        publisher.publish(Streams.LLM_JOBS, job("resp-cancel", replyTo, payload));
        Poll.until(Duration.ofSeconds(10), () -> results(replyTo).size() >= 3, "first deltas");

        publisher.cancel("resp-cancel");
        int atCancel = results(replyTo).size();
        long cancelledAt = System.nanoTime();
        // The handler returns (and the job is acked) well before the ~2.5 s the stream still had to go.
        Poll.until(
                Duration.ofSeconds(1),
                () -> pending() == 0 && service.consumer().inFlight() == 0,
                "job stopped");
        long stoppedMs = (System.nanoTime() - cancelledAt) / 1_000_000;
        assertTrue(stoppedMs < 500, "stopped " + stoppedMs + " ms after cancel");
        List<Envelope> after = results(replyTo);
        assertTrue(
                after.size() <= atCancel + 1,
                "at most one delta in flight at cancel: " + atCancel + " → " + after.size());
        assertTrue(after.stream().noneMatch(e -> e.kind().equals(Kinds.LLM_DONE)), "no done after cancel");
        assertTrue(after.size() < 40);
    }

    @Test
    void skipsJobsAlreadyCancelledOrExpired() throws Exception {
        startService(0);
        StreamPublisher publisher = new StreamPublisher(redis.shared());
        publisher.cancel("resp-gone");
        String replyTo = Streams.gatewayStream("gw-skip");
        publisher.publish(Streams.LLM_JOBS, job("resp-gone", replyTo, TEXT_REQUEST));
        Envelope expired = new Envelope(
                Kinds.LLM_REQUEST,
                "t",
                "p",
                "s",
                "resp-old",
                "i",
                0,
                System.currentTimeMillis() - 1,
                "",
                "",
                replyTo,
                1,
                TEXT_REQUEST);
        publisher.publish(Streams.LLM_JOBS, expired);
        // A live job after them: once its result is there, the two before it were handled too.
        String liveReply = Streams.gatewayStream("gw-live");
        publisher.publish(Streams.LLM_JOBS, job("resp-live", liveReply, TEXT_REQUEST));
        awaitFinal(liveReply, Duration.ofSeconds(10));
        Poll.until(Duration.ofSeconds(5), () -> pending() == 0, "all acked");
        assertEquals(0, results(replyTo).size());
    }

    @Test
    void healthReportsRedis() throws Exception {
        startService(0);
        try (HttpClient client = HttpClient.newHttpClient()) {
            HttpResponse<String> response = client.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + service.port() + "/observe/health"))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, response.statusCode());
            JsonNode body = JSON.readTree(response.body());
            assertEquals("UP", body.path("status").asText());
            assertEquals("redis", body.path("checks").path(0).path("name").asText());
        }
    }
}
