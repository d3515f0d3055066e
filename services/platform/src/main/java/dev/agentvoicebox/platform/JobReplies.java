package dev.agentvoicebox.platform;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentvoicebox.protocol.Envelope;

/**
 * Answers one attempt of a job on its {@code reply_to} stream, {@code seq} counting from 1. Nothing
 * goes out once the job is cancelled; a job without {@code reply_to} is still consumed, unanswered.
 */
public final class JobReplies {
    private final JobConsumer.Job job;
    private final StreamPublisher publisher;
    private long seq;

    public JobReplies(JobConsumer.Job job, StreamPublisher publisher) {
        this.job = job;
        this.publisher = publisher;
    }

    // Engines answer from their own threads too: one lock keeps seq order and stream order the same.
    public synchronized void send(String kind, JsonNode payload) {
        if (job.cancelled()) {
            return;
        }
        Envelope envelope = job.envelope();
        if (envelope.replyTo().isEmpty()) {
            return;
        }
        publisher.publish(envelope.replyTo(), envelope.reply(kind, ++seq, payload.toString()));
    }
}
