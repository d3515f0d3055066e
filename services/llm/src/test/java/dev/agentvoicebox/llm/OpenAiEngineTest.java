package dev.agentvoicebox.llm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentvoicebox.platform.JobException;
import dev.agentvoicebox.platform.testing.Poll;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.threeten.extra.MutableClock;

class OpenAiEngineTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static ScheduledExecutorService timer;
    private static HttpClient http;
    private FakeProvider first;
    private FakeProvider second;

    @BeforeAll
    static void setUp() {
        timer = Executors.newSingleThreadScheduledExecutor();
        http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    }

    @AfterAll
    static void tearDown() {
        timer.shutdownNow();
        http.close();
    }

    @AfterEach
    void stopServers() {
        if (first != null) {
            first.close();
        }
        if (second != null) {
            second.close();
        }
    }

    private OpenAiEngine engine(Duration timeout, Clock clock, FakeProvider... providers) {
        return engine(
                timeout,
                clock,
                java.util.Arrays.stream(providers).map(FakeProvider::baseUrl).toList());
    }

    private OpenAiEngine engine(Duration timeout, Clock clock, List<String> baseUrls) {
        List<OpenAiEngine.Provider> list = new java.util.ArrayList<>();
        for (int i = 0; i < baseUrls.size(); i++) {
            list.add(new OpenAiEngine.Provider(
                    "p" + (i + 1), baseUrls.get(i), "sk-test-" + (i + 1), "model-" + (i + 1), ""));
        }
        return new OpenAiEngine(
                list, http, JSON, timeout, OpenAiEngine.breakerConfig(Duration.ofSeconds(30), clock), timer);
    }

    private OpenAiEngine engine(FakeProvider... providers) {
        return engine(Duration.ofSeconds(5), Clock.systemUTC(), providers);
    }

    private static ObjectNode request(String text) throws Exception {
        return (ObjectNode) JSON.readTree("""
                {"model":"","messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"%s"}],
                 "max_output_tokens":256,"temperature":0.8}""".formatted(text));
    }

    @Test
    void streamsTextAndUsage() throws Exception {
        first = new FakeProvider(FakeProvider.replay("sse/text.sse", 0));
        Recorder out = new Recorder();
        Engine.Completion done = engine(first).stream(request("Hi"), out, out);
        assertEquals("Hello! How can I help you today?", out.text());
        assertEquals(9, out.pieces.size(), "one delta per content chunk; the empty first chunk is skipped");
        assertEquals(new Engine.Completion("stop", "gpt-4o-mini-2024-07-18", 19, 10), done);

        JsonNode sent = JSON.readTree(first.bodies.get(0));
        assertEquals("model-1", sent.path("model").asText());
        assertTrue(sent.path("stream").asBoolean());
        assertTrue(sent.path("stream_options").path("include_usage").asBoolean());
        assertEquals(256, sent.path("max_completion_tokens").asInt());
        assertTrue(sent.path("max_output_tokens").isMissingNode());
        assertFalse(sent.has("tools"));
        assertEquals("Bearer sk-test-1", first.authorizations.get(0));
    }

    @Test
    void streamsToolCallArgumentsOverSeveralChunks() throws Exception {
        first = new FakeProvider(FakeProvider.replay("sse/tool_call.sse", 0));
        Recorder out = new Recorder();
        ObjectNode request = request("Weather in Paris?");
        request.set("tools", JSON.readTree("""
                [{"type":"function","function":{"name":"get_weather","parameters":{"type":"object",
                  "properties":{"location":{"type":"string"}},"required":["location"]}}}]"""));
        request.put("tool_choice", "auto");
        Engine.Completion done = engine(first).stream(request, out, out);

        Recorder.Piece head = out.pieces.get(0);
        assertEquals("get_weather", head.name());
        assertEquals(8, out.pieces.size(), "first piece with the name, then 7 argument pieces");
        for (Recorder.Piece piece : out.pieces.subList(1, out.pieces.size())) {
            assertNull(piece.name());
        }
        assertEquals("{\"location\":\"Paris, France\"}", out.arguments(0));
        assertEquals(new Engine.Completion("tool_calls", "gpt-4.1-nano-2025-04-14", 62, 17), done);
        JsonNode sent = JSON.readTree(first.bodies.get(0));
        assertEquals("auto", sent.path("tool_choice").asText());
        assertEquals(
                "get_weather",
                sent.path("tools").path(0).path("function").path("name").asText());
    }

    @Test
    void serverErrorFailsOverToTheNextProvider() throws Exception {
        first = new FakeProvider(FakeProvider.error(500, "sse/error_500.json"));
        second = new FakeProvider(FakeProvider.replay("sse/text.sse", 0));
        Recorder out = new Recorder();
        Engine.Completion done = engine(first, second).stream(request("Hi"), out, out);
        assertEquals("Hello! How can I help you today?", out.text());
        assertEquals("stop", done.finishReason());
        assertEquals(1, first.requests());
        assertEquals(1, second.requests());
        assertEquals(
                "model-2", JSON.readTree(second.bodies.get(0)).path("model").asText());
    }

    @Test
    void rateLimitFailsOverAndIsReportedWhenNoProviderIsLeft() throws Exception {
        first = new FakeProvider(FakeProvider.error(429, "sse/error_429.json"));
        Recorder out = new Recorder();
        JobException error = assertThrows(JobException.class, () -> engine(first).stream(request("Hi"), out, out));
        assertEquals(JobException.UPSTREAM_ERROR, error.code());
        assertEquals(
                "provider returned HTTP 429 (rate_limit_exceeded)",
                error.getMessage(),
                "a provider's own text about its limits and organisation stays out of what the client sees");

        second = new FakeProvider(FakeProvider.replay("sse/text.sse", 0));
        Recorder out2 = new Recorder();
        engine(first, second).stream(request("Hi"), out2, out2);
        assertEquals("Hello! How can I help you today?", out2.text());
    }

    @Test
    void badRequestIsInvalidRequestWithoutFailover() throws Exception {
        first = new FakeProvider(FakeProvider.error(400, "sse/error_400.json"));
        second = new FakeProvider(FakeProvider.replay("sse/text.sse", 0));
        Recorder out = new Recorder();
        JobException error =
                assertThrows(JobException.class, () -> engine(first, second).stream(request("Hi"), out, out));
        assertEquals(JobException.INVALID_REQUEST, error.code());
        assertEquals(
                "provider returned HTTP 400: Invalid type for 'messages[0].content': expected one of a string "
                        + "or array of objects, but got an integer instead.",
                error.getMessage());
        assertEquals(0, second.requests());
    }

    @Test
    void aRefusedRequestKeepsTheProvidersTextWithoutCredentials() throws Exception {
        byte[] body = """
                {"error":{"message":"Invalid header 'Authorization: Bearer sk-test-1' for key sk-test-1 \
                (also gsk_4xYz0123abcd, token eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln): 'tools[0].type' \
                must be 'function' for this task-based model.","type":"invalid_request_error",\
                "param":"tools[0].type","code":"invalid_value"}}""".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        first = new FakeProvider((exchange, provider) -> {
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(400, body.length);
            exchange.getResponseBody().write(body);
        });
        Recorder out = new Recorder();
        JobException error = assertThrows(JobException.class, () -> engine(first).stream(request("Hi"), out, out));
        assertEquals(JobException.INVALID_REQUEST, error.code());
        assertEquals(
                "provider returned HTTP 400: Invalid header 'Authorization: [redacted] for key [redacted] "
                        + "(also [redacted], token [redacted]): 'tools[0].type' must be 'function' for this "
                        + "task-based model.",
                error.getMessage());
    }

    @Test
    void noFailoverOnceDeltasWereForwarded() throws Exception {
        // The stream breaks off after a few deltas (no finish_reason, no [DONE]).
        String text = FakeProvider.resource("sse/text.sse");
        String broken = text.substring(0, text.indexOf("\"content\":\" can\""));
        broken = broken.substring(0, broken.lastIndexOf("data: "));
        String partial = broken;
        first = new FakeProvider((exchange, provider) -> {
            exchange.sendResponseHeaders(200, 0);
            exchange.getResponseBody().write(partial.getBytes());
        });
        second = new FakeProvider(FakeProvider.replay("sse/text.sse", 0));
        Recorder out = new Recorder();
        JobException error =
                assertThrows(JobException.class, () -> engine(first, second).stream(request("Hi"), out, out));
        assertEquals(JobException.UPSTREAM_ERROR, error.code());
        assertEquals("Hello! How", out.text());
        assertEquals(0, second.requests(), "no second provider after text went out: it would duplicate it");
    }

    @Test
    void timeoutBeforeHeadersFailsOver() throws Exception {
        first = new FakeProvider(FakeProvider.silent(5_000));
        second = new FakeProvider(FakeProvider.replay("sse/text.sse", 0));
        Recorder out = new Recorder();
        long start = System.nanoTime();
        engine(Duration.ofMillis(300), Clock.systemUTC(), first, second).stream(request("Hi"), out, out);
        long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertEquals("Hello! How can I help you today?", out.text());
        assertTrue(tookMs < 3_000, "timed out after " + tookMs + " ms");

        Recorder alone = new Recorder();
        JobException error = assertThrows(
                JobException.class,
                () -> engine(Duration.ofMillis(300), Clock.systemUTC(), first).stream(request("Hi"), alone, alone));
        assertEquals(JobException.TIMEOUT, error.code());
    }

    @Test
    void stalledStreamTimesOut() throws Exception {
        first = new FakeProvider((exchange, provider) -> {
            exchange.sendResponseHeaders(200, 0);
            exchange.getResponseBody()
                    .write(("data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hi\"},"
                                    + "\"finish_reason\":null}]}\n\n")
                            .getBytes());
            exchange.getResponseBody().flush();
            Thread.sleep(5_000);
        });
        Recorder out = new Recorder();
        JobException error = assertThrows(
                JobException.class,
                () -> engine(Duration.ofMillis(300), Clock.systemUTC(), first).stream(request("Hi"), out, out));
        assertEquals(JobException.TIMEOUT, error.code());
        assertEquals("Hi", out.text());
    }

    @Test
    void cancelClosesTheUpstreamConnectionWithin50ms() throws Exception {
        try (TickingProvider ticking = new TickingProvider(5)) {
            Recorder out = new Recorder();
            OpenAiEngine engine = engine(Duration.ofSeconds(5), Clock.systemUTC(), List.of(ticking.baseUrl()));
            CompletableFuture<Engine.Completion> running = CompletableFuture.supplyAsync(() -> {
                try {
                    return engine.stream(request("Count"), out, out);
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            Poll.until(Duration.ofSeconds(5), () -> out.pieces.size() >= 5);
            out.cancel();
            int atCancel = out.pieces.size();
            running.get(2, TimeUnit.SECONDS);
            Poll.until(Duration.ofSeconds(2), () -> ticking.clientGoneAt.get() != 0);
            long closedAfterMs = TimeUnit.NANOSECONDS.toMillis(ticking.clientGoneAt.get() - out.cancelledAt);
            assertTrue(closedAfterMs <= 50, "provider saw the connection end " + closedAfterMs + " ms after cancel");
            assertEquals(atCancel, out.pieces.size(), "nothing forwarded after cancel");
            assertEquals(CircuitBreaker.State.CLOSED, engine.breaker("p1").getState());
        }
    }

    @Test
    void fiveConsecutiveFailuresOpenTheBreakerFor30Seconds() throws Exception {
        first = new FakeProvider(FakeProvider.error(500, "sse/error_500.json"));
        second = new FakeProvider(FakeProvider.replay("sse/text.sse", 0));
        MutableClock clock = MutableClock.epochUTC();
        OpenAiEngine engine = engine(Duration.ofSeconds(5), clock, first, second);
        for (int i = 1; i <= 5; i++) {
            assertEquals(CircuitBreaker.State.CLOSED, engine.breaker("p1").getState(), "closed before failure " + i);
            Recorder out = new Recorder();
            engine.stream(request("Hi"), out, out);
            assertEquals("Hello! How can I help you today?", out.text());
        }
        assertEquals(5, first.requests());
        assertEquals(CircuitBreaker.State.OPEN, engine.breaker("p1").getState());

        clock.add(Duration.ofSeconds(29));
        Recorder skipped = new Recorder();
        engine.stream(request("Hi"), skipped, skipped);
        assertEquals(5, first.requests(), "an open breaker skips the provider");
        assertEquals(6, second.requests());

        clock.add(Duration.ofSeconds(2));
        first.behave(FakeProvider.replay("sse/text.sse", 0));
        Recorder probe = new Recorder();
        engine.stream(request("Hi"), probe, probe);
        assertEquals(6, first.requests(), "after 30 s one trial call goes to the provider again");
        assertEquals(CircuitBreaker.State.CLOSED, engine.breaker("p1").getState());
    }

    @Test
    void allBreakersOpenIsUnavailable() throws Exception {
        first = new FakeProvider(FakeProvider.error(503, "sse/error_500.json"));
        OpenAiEngine engine = engine(Duration.ofSeconds(5), MutableClock.epochUTC(), first);
        for (int i = 0; i < 5; i++) {
            Recorder out = new Recorder();
            assertThrows(JobException.class, () -> engine.stream(request("Hi"), out, out));
        }
        Recorder out = new Recorder();
        JobException error = assertThrows(JobException.class, () -> engine.stream(request("Hi"), out, out));
        assertEquals(JobException.UNAVAILABLE, error.code());
        assertEquals(5, first.requests());
    }

    @Test
    void connectionRefusedFailsOver() throws Exception {
        FakeProvider gone = new FakeProvider(FakeProvider.silent(0));
        String deadUrl = gone.baseUrl();
        gone.close();
        second = new FakeProvider(FakeProvider.replay("sse/text.sse", 0));
        List<OpenAiEngine.Provider> providers = List.of(
                new OpenAiEngine.Provider("dead", deadUrl, "", "m", ""),
                new OpenAiEngine.Provider("ok", second.baseUrl(), "", "m", "max_tokens"));
        OpenAiEngine engine = new OpenAiEngine(
                providers,
                http,
                JSON,
                Duration.ofSeconds(5),
                OpenAiEngine.breakerConfig(Duration.ofSeconds(30), Clock.systemUTC()),
                timer);
        Recorder out = new Recorder();
        ObjectNode request = request("Hi");
        engine.stream(request, out, out);
        assertEquals("Hello! How can I help you today?", out.text());
        assertEquals(256, JSON.readTree(second.bodies.get(0)).path("max_tokens").asInt());
        assertEquals("null", second.authorizations.get(0), "no Authorization header without a key");
    }
}
