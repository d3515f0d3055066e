package dev.agentvoicebox.gateway;

import dev.agentvoicebox.platform.StreamPublisher;
import dev.agentvoicebox.protocol.Envelope;
import dev.agentvoicebox.protocol.Streams;

/** Sends response jobs to the llm workers and tells them to stop. */
public final class LlmPipeline {
    private final StreamPublisher publisher;

    public LlmPipeline(StreamPublisher publisher) {
        this.publisher = publisher;
    }

    public void submit(Envelope job) {
        publisher.publish(Streams.LLM_JOBS, job);
    }

    public void cancel(String responseId) {
        publisher.cancel(responseId);
    }
}
