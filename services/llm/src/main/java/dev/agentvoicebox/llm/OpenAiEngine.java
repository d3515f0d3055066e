package dev.agentvoicebox.llm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentvoicebox.platform.JobException;
import dev.agentvoicebox.platform.OpenAiHttp;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Logger;
import java.util.regex.Pattern;

/**
 * Any OpenAI-compatible {@code POST {base}/chat/completions} with {@code stream: true}, over a list of
 * providers tried in order. A provider is skipped while its circuit breaker is open. A request fails
 * over to the next provider on connect errors, timeouts, 429, 5xx (and 401/403/404, which mean that
 * provider is misconfigured) — but only before any delta was forwarded: after that, a failure ends the
 * response with {@code llm.error} rather than repeating text from another model. 400/413/422 mean the
 * request itself is bad: {@code invalid_request}, no failover, with the provider's explanation (less
 * credentials); any other failure is reported as its status and the provider's error code.
 */
final class OpenAiEngine implements Engine {
    private static final Logger LOG = Logger.getLogger(OpenAiEngine.class.getName());
    private static final int MAX_ERROR_BODY = 64 * 1024;
    private static final int MAX_DETAIL = 300;
    private static final String REDACTED = "[redacted]";
    private static final Pattern ERROR_CODE = Pattern.compile("[a-z0-9_]{1,64}");
    /**
     * API keys of the usual providers (sk-, sk-proj-, gsk_, ek_ …, masked or not: a digit or '*' in
     * the body tells them from words like "task-based"), bearer tokens and JWTs.
     */
    private static final Pattern CREDENTIAL =
            Pattern.compile("(?i)\\b[a-z]{0,8}(?:sk|rk|pk|key|ek)[-_](?=[a-z0-9*._-]*[0-9*])[a-z0-9*._-]{4,}"
                    + "|\\bbearer\\s+\\S+"
                    + "|\\beyJ[a-z0-9_-]+\\.[a-z0-9_.-]*");

    /**
     * @param model          the model sent upstream; when empty, the request's own model is sent
     * @param maxTokensParam the body field {@code max_output_tokens} maps to:
     *                       {@code max_completion_tokens} (OpenAI's current name, the default) or
     *                       {@code max_tokens} (older OpenAI-compatible servers)
     */
    record Provider(String name, String baseUrl, String apiKey, String model, String maxTokensParam) {
        Provider {
            baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
            apiKey = apiKey == null ? "" : apiKey;
            model = model == null ? "" : model;
            maxTokensParam =
                    maxTokensParam == null || maxTokensParam.isBlank() ? "max_completion_tokens" : maxTokensParam;
        }

        @Override
        public String toString() {
            return "Provider[" + name + ", " + baseUrl + ", model=" + model + "]"; // never the key
        }
    }

    /** 5 consecutive failures open a provider's breaker for {@code openFor}. */
    static CircuitBreakerConfig breakerConfig(Duration openFor, java.time.Clock clock) {
        return CircuitBreakerConfig.custom()
                .slidingWindow(5, 5, CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                .failureRateThreshold(100)
                .waitDurationInOpenState(openFor)
                .permittedNumberOfCallsInHalfOpenState(1)
                .automaticTransitionFromOpenToHalfOpenEnabled(false)
                .recordException(e -> true)
                .clock(clock)
                .build();
    }

    private record Target(Provider provider, CircuitBreaker breaker) {}

    private final List<Target> targets;
    private final HttpClient http;
    private final ObjectMapper json;
    private final Duration timeout;
    private final ScheduledExecutorService timer;

    OpenAiEngine(
            List<Provider> providers,
            HttpClient http,
            ObjectMapper json,
            Duration timeout,
            CircuitBreakerConfig breakerConfig,
            ScheduledExecutorService timer) {
        if (providers.isEmpty()) {
            throw new IllegalArgumentException("no providers");
        }
        this.targets = providers.stream()
                .map(p -> new Target(p, CircuitBreaker.of("llm-" + p.name(), breakerConfig)))
                .toList();
        this.http = http;
        this.json = json;
        this.timeout = timeout;
        this.timer = timer;
    }

    @Override
    public String name() {
        return "openai";
    }

    @Override
    public String defaultModel() {
        return targets.get(0).provider().model();
    }

    CircuitBreaker breaker(String providerName) {
        return targets.stream()
                .filter(t -> t.provider().name().equals(providerName))
                .findFirst()
                .orElseThrow()
                .breaker();
    }

    @Override
    public Completion stream(ObjectNode request, Output output, Cancellation cancellation) throws JobException {
        JobException last = null;
        boolean tried = false;
        for (Target target : targets) {
            if (cancellation.cancelled()) {
                return new Completion("stop", target.provider().model(), 0, 0);
            }
            if (!target.breaker().tryAcquirePermission()) {
                LOG.fine(() -> "skipping provider " + target.provider().name() + ": circuit open");
                continue;
            }
            tried = true;
            long start = System.nanoTime();
            try {
                Completion completion = new Call(target.provider(), request, output, cancellation).run();
                target.breaker().onSuccess(System.nanoTime() - start, TimeUnit.NANOSECONDS);
                return completion;
            } catch (Cancelled e) {
                target.breaker().releasePermission();
                return new Completion("stop", target.provider().model(), 0, 0);
            } catch (Failure failure) {
                if (failure.providerFault) {
                    target.breaker().onError(System.nanoTime() - start, TimeUnit.NANOSECONDS, failure);
                } else {
                    target.breaker().onSuccess(System.nanoTime() - start, TimeUnit.NANOSECONDS);
                }
                LOG.warning(() -> "provider " + target.provider().name() + " failed: " + failure.getMessage());
                last = new JobException(failure.code, failure.getMessage());
                if (!failure.failover || output.forwardedAny()) {
                    throw last;
                }
            }
        }
        if (!tried) {
            throw new JobException(JobException.UNAVAILABLE, "no LLM provider is available right now");
        }
        throw last;
    }

    /** A failed provider call. */
    private static final class Failure extends Exception {
        final String code;
        final boolean failover;
        final boolean providerFault;

        Failure(String code, String message, boolean failover, boolean providerFault) {
            super(message, null, false, false);
            this.code = code;
            this.failover = failover;
            this.providerFault = providerFault;
        }
    }

    private static final class Cancelled extends Exception {
        Cancelled() {
            super(null, null, false, false);
        }
    }

    /** One request to one provider. */
    private final class Call {
        private final Provider provider;
        private final ObjectNode request;
        private final Output output;
        private final Cancellation cancellation;
        private final AtomicReference<InputStream> body = new AtomicReference<>();
        private final AtomicBoolean timedOut = new AtomicBoolean();

        Call(Provider provider, ObjectNode request, Output output, Cancellation cancellation) {
            this.provider = provider;
            this.request = request;
            this.output = output;
            this.cancellation = cancellation;
        }

        Completion run() throws Failure, Cancelled {
            HttpRequest.Builder builder = OpenAiHttp.request(
                            URI.create(provider.baseUrl() + "/chat/completions"), provider.apiKey(), timeout)
                    .header("Content-Type", "application/json")
                    .header("Accept", "text/event-stream")
                    .POST(HttpRequest.BodyPublishers.ofString(body(), StandardCharsets.UTF_8));
            CompletableFuture<HttpResponse<InputStream>> future =
                    http.sendAsync(builder.build(), HttpResponse.BodyHandlers.ofInputStream());
            cancellation.onCancel(() -> {
                future.cancel(true);
                closeBody();
            });
            HttpResponse<InputStream> response;
            try {
                response = future.get(timeout.toMillis() + 1_000, TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                future.cancel(true);
                throw new Failure(
                        JobException.TIMEOUT,
                        "provider did not answer within " + timeout.toSeconds() + " s",
                        true,
                        true);
            } catch (CancellationException e) {
                throw new Cancelled();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                future.cancel(true);
                throw new Cancelled();
            } catch (ExecutionException e) {
                if (cancellation.cancelled()) {
                    throw new Cancelled();
                }
                Throwable cause = e.getCause();
                if (cause instanceof HttpTimeoutException && !(cause instanceof HttpConnectTimeoutException)) {
                    throw new Failure(
                            JobException.TIMEOUT,
                            "provider did not answer within " + timeout.toSeconds() + " s",
                            true,
                            true);
                }
                String what = cause instanceof ConnectException || cause instanceof HttpConnectTimeoutException
                        ? "could not connect to provider"
                        : "provider request failed";
                throw new Failure(JobException.UPSTREAM_ERROR, what, true, true);
            }
            body.set(response.body());
            if (cancellation.cancelled()) {
                closeBody();
                throw new Cancelled();
            }
            if (response.statusCode() != 200) {
                throw httpFailure(response.statusCode(), readErrorBody(response.body()));
            }
            return readStream(response.body());
        }

        private String body() {
            ObjectNode body = request.deepCopy();
            String model = provider.model().isEmpty() ? request.path("model").asText("") : provider.model();
            body.put("model", model);
            JsonNode maxOutput = body.remove("max_output_tokens");
            if (maxOutput != null && maxOutput.canConvertToLong() && maxOutput.asLong() > 0) {
                body.put(provider.maxTokensParam(), maxOutput.asLong());
            }
            JsonNode tools = body.path("tools");
            if (!tools.isArray() || tools.isEmpty()) {
                body.remove("tools");
                body.remove("tool_choice");
            } else if (body.path("tool_choice").isTextual()
                    && body.path("tool_choice").asText().trim().startsWith("{")) {
                try {
                    body.set(
                            "tool_choice",
                            json.readTree(body.path("tool_choice").asText()));
                } catch (IOException e) {
                    body.remove("tool_choice");
                }
            }
            body.put("stream", true);
            body.putObject("stream_options").put("include_usage", true);
            return body.toString();
        }

        private Completion readStream(InputStream stream) throws Failure, Cancelled {
            AtomicReference<ScheduledFuture<?>> idle = new AtomicReference<>();
            String model = provider.model();
            String finishReason = null;
            long inputTokens = 0;
            long outputTokens = 0;
            Set<Integer> startedCalls = new HashSet<>();
            boolean done = false;
            try (BufferedReader reader = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
                armIdle(idle);
                String line;
                while ((line = reader.readLine()) != null) {
                    armIdle(idle);
                    if (cancellation.cancelled()) {
                        throw new Cancelled();
                    }
                    if (!line.startsWith("data:")) {
                        continue; // blank separators, ": keep-alive" comments, event: lines
                    }
                    String data = line.substring(5).trim();
                    if (data.equals("[DONE]")) {
                        done = true;
                        break;
                    }
                    JsonNode chunk;
                    try {
                        chunk = json.readTree(data);
                    } catch (IOException e) {
                        throw new Failure(
                                JobException.UPSTREAM_ERROR, "provider sent a malformed stream chunk", true, true);
                    }
                    if (chunk.hasNonNull("error")) {
                        throw new Failure(
                                JobException.UPSTREAM_ERROR,
                                "provider sent an error" + errorCode(chunk.path("error")),
                                true,
                                true);
                    }
                    if (chunk.hasNonNull("model")) {
                        model = chunk.get("model").asText();
                    }
                    JsonNode usage = chunk.path("usage");
                    if (usage.isObject()) {
                        inputTokens = usage.path("prompt_tokens").asLong(inputTokens);
                        outputTokens = usage.path("completion_tokens").asLong(outputTokens);
                    }
                    JsonNode choice = chunk.path("choices").path(0);
                    if (choice.isMissingNode()) {
                        continue;
                    }
                    JsonNode delta = choice.path("delta");
                    String content = delta.path("content").isTextual()
                            ? delta.path("content").asText()
                            : "";
                    if (!content.isEmpty()) {
                        output.text(content);
                    }
                    for (JsonNode call : delta.path("tool_calls")) {
                        int index = call.path("index").asInt(0);
                        String arguments =
                                call.path("function").path("arguments").asText("");
                        if (startedCalls.add(index)) {
                            output.toolCall(
                                    index, call.path("function").path("name").asText(""), arguments);
                        } else if (!arguments.isEmpty()) {
                            output.toolCall(index, null, arguments);
                        }
                    }
                    if (choice.hasNonNull("finish_reason")) {
                        finishReason = choice.get("finish_reason").asText();
                    }
                }
            } catch (IOException e) {
                if (cancellation.cancelled()) {
                    throw new Cancelled();
                }
                if (timedOut.get()) {
                    throw new Failure(
                            JobException.TIMEOUT,
                            "provider stream stalled for " + timeout.toSeconds() + " s",
                            true,
                            true);
                }
                throw new Failure(JobException.UPSTREAM_ERROR, "provider stream broke off", true, true);
            } finally {
                ScheduledFuture<?> pending = idle.getAndSet(null);
                if (pending != null) {
                    pending.cancel(false);
                }
            }
            if (cancellation.cancelled()) {
                throw new Cancelled();
            }
            if (timedOut.get()) {
                throw new Failure(
                        JobException.TIMEOUT, "provider stream stalled for " + timeout.toSeconds() + " s", true, true);
            }
            if (!done && finishReason == null) {
                throw new Failure(JobException.UPSTREAM_ERROR, "provider stream ended early", true, true);
            }
            return new Completion(finishReason == null ? "stop" : finishReason, model, inputTokens, outputTokens);
        }

        /** (Re)starts the stall timer: no line for {@code timeout} closes the stream. */
        private void armIdle(AtomicReference<ScheduledFuture<?>> idle) {
            ScheduledFuture<?> next = timer.schedule(
                    () -> {
                        timedOut.set(true);
                        closeBody();
                    },
                    timeout.toMillis(),
                    TimeUnit.MILLISECONDS);
            ScheduledFuture<?> previous = idle.getAndSet(next);
            if (previous != null) {
                previous.cancel(false);
            }
        }

        private void closeBody() {
            InputStream stream = body.get();
            if (stream != null) {
                try {
                    stream.close();
                } catch (IOException e) {
                    // closing to abort; nothing to do
                }
            }
        }

        private String readErrorBody(InputStream stream) {
            try (stream) {
                byte[] bytes = stream.readNBytes(MAX_ERROR_BODY);
                return new String(bytes, StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "";
            }
        }

        private Failure httpFailure(int status, String errorBody) {
            JsonNode error;
            try {
                error = json.readTree(errorBody).path("error");
            } catch (IOException | RuntimeException e) {
                error = MissingNode.getInstance(); // not JSON: the status says enough
            }
            String message = "provider returned HTTP " + status;
            return switch (status) {
                case 400, 413, 422 ->
                    new Failure(
                            JobException.INVALID_REQUEST,
                            message + clientDetail(error, provider.apiKey()),
                            false,
                            false);
                case 408 -> new Failure(JobException.TIMEOUT, message + errorCode(error), true, true);
                default -> new Failure(JobException.UPSTREAM_ERROR, message + errorCode(error), true, true);
            };
        }
    }

    /**
     * What the provider said about a request it refused, for the client to correct it: the text, with
     * anything shaped like a credential cut out. A provider echoes keys back (OpenAI's 401 quotes a
     * fragment of the key), so only the answers that are about the request itself carry text.
     */
    static String clientDetail(JsonNode error, String apiKey) {
        String detail =
                error.isTextual() ? error.asText() : error.path("message").asText("");
        if (!apiKey.isEmpty()) {
            detail = detail.replace(apiKey, REDACTED);
        }
        detail = CREDENTIAL.matcher(detail).replaceAll(REDACTED);
        if (detail.length() > MAX_DETAIL) {
            detail = detail.substring(0, MAX_DETAIL) + "…";
        }
        return detail.isBlank() ? "" : ": " + detail;
    }

    /** The provider's error code ({@code rate_limit_exceeded}, {@code invalid_api_key}): a token, never text. */
    static String errorCode(JsonNode error) {
        String code = error.path("code").asText("");
        return ERROR_CODE.matcher(code).matches() ? " (" + code + ")" : "";
    }
}
