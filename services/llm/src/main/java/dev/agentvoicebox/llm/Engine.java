package dev.agentvoicebox.llm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentvoicebox.platform.JobException;

/** Generates one streamed chat completion. Implementations are thread-safe: jobs run concurrently. */
interface Engine extends AutoCloseable {

    /** Short engine name for telemetry: {@code scripted}, {@code openai}, {@code llama.cpp}. */
    String name();

    /** The model id reported when the request names none. */
    String defaultModel();

    /**
     * Streams the completion of {@code request} (an {@code llm.request} payload) into {@code output}.
     * Returns normally when the completion finished; throws {@link JobException} when it failed.
     * When {@code cancellation} fires, stops as soon as it can (it may then return or throw anything;
     * the caller writes nothing more).
     */
    Completion stream(ObjectNode request, Output output, Cancellation cancellation) throws JobException;

    @Override
    default void close() {}

    /** The request's {@code messages}, for the engines that read them themselves; refused when empty. */
    static JsonNode messages(ObjectNode request) throws JobException {
        JsonNode messages = request.path("messages");
        if (!messages.isArray() || messages.isEmpty()) {
            throw new JobException(JobException.INVALID_REQUEST, "messages must be a non-empty array");
        }
        return messages;
    }

    /** Where an engine sends its pieces; the worker turns them into result envelopes. */
    interface Output {
        void text(String delta);

        /**
         * {@code name} on the first piece of an index, null after. Calls carry no id: the gateway names
         * them, so that the ids its clients see are unique and a reclaimed job's retry keeps them.
         */
        void toolCall(int index, String name, String arguments);

        /** True once any delta went out: from then on a failover would duplicate output. */
        boolean forwardedAny();
    }

    /** Signals that the response was cancelled. */
    interface Cancellation extends dev.agentvoicebox.platform.Cancellation {
        /** Sleeps up to {@code millis}, returning early (true) when cancelled. */
        boolean sleep(long millis) throws InterruptedException;
    }

    /**
     * @param finishReason stop | tool_calls | length | content_filter
     */
    record Completion(String finishReason, String model, long inputTokens, long outputTokens) {}
}
