package dev.agentvoicebox.gateway;

import dev.agentvoicebox.platform.StreamPublisher;
import dev.agentvoicebox.protocol.Envelope;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;

/** Sends jobs to the worker pools (llm, stt, tts) and tells them to stop. */
public final class Workers {
    private final StreamPublisher publisher;
    private final StatefulRedisConnection<String, String> redis;

    public Workers(StatefulRedisConnection<String, String> redis) {
        this.redis = redis;
        this.publisher = new StreamPublisher(redis);
    }

    public void submit(String jobStream, Envelope job) {
        publisher.publish(jobStream, job);
    }

    /** Stops every worker's work for this id (a response, or a transcription's item). */
    public void cancel(String id) {
        publisher.cancel(id);
    }

    /** Puts a payload too large for a stream message beside it, for a worker to read once. */
    public void stash(String key, String value, Duration ttl) {
        redis.async().setex(key, ttl.toSeconds(), value);
    }
}
