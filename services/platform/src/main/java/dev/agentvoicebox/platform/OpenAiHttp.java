package dev.agentvoicebox.platform;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.logging.Logger;

/**
 * Calls to OpenAI-compatible APIs (OpenAI, Groq, Kokoro, faster-whisper, vLLM …) as the workers make
 * them. The API key goes as a bearer token and never into a log.
 */
public final class OpenAiHttp {
    private static final Logger LOG = Logger.getLogger(OpenAiHttp.class.getName());

    private OpenAiHttp() {}

    /** Never follows redirects: the bearer token must not travel to a host nobody configured. */
    public static HttpClient client(Duration timeout) {
        return HttpClient.newBuilder()
                .connectTimeout(Duration.ofMillis(Math.min(timeout.toMillis(), 10_000)))
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    /** @param baseUrl up to and including {@code /v1}, e.g. {@code https://api.openai.com/v1} */
    public static URI endpoint(String baseUrl, String path) {
        return URI.create(baseUrl.replaceAll("/+$", "") + path);
    }

    /** @param apiKey empty for servers that take none */
    public static HttpRequest.Builder request(URI endpoint, String apiKey, Duration timeout) {
        HttpRequest.Builder request = HttpRequest.newBuilder(endpoint).timeout(timeout);
        if (!apiKey.isEmpty()) {
            request.header("Authorization", "Bearer " + apiKey);
        }
        return request;
    }

    /**
     * Sends {@code request} and aborts it when the job is cancelled.
     *
     * @param service how the client hears of the upstream: {@code transcription}, {@code speech}
     * @return the response, or null once the job is cancelled
     */
    public static <T> HttpResponse<T> send(
            HttpClient http, HttpRequest request, HttpResponse.BodyHandler<T> body, Cancellation cancel, String service)
            throws JobException, InterruptedException {
        CompletableFuture<HttpResponse<T>> call = http.sendAsync(request, body);
        cancel.onCancel(() -> call.cancel(true));
        try {
            return call.get();
        } catch (CancellationException e) {
            return null;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof HttpTimeoutException) {
                throw new JobException(JobException.TIMEOUT, "The " + service + " service did not answer in time.");
            }
            LOG.warning(() -> service + " request to " + request.uri().getHost() + " failed: " + e.getCause());
            throw new JobException(JobException.UNAVAILABLE, "The " + service + " service is not reachable.");
        }
    }

    /** A non-2xx answer: 400 means the client's input, anything else the upstream's fault. */
    public static JobException refused(int status, String service, String input) {
        return new JobException(
                status == 400 ? JobException.INVALID_REQUEST : JobException.UPSTREAM_ERROR,
                "The " + service + " service refused the " + input + " (" + status + ").");
    }
}
