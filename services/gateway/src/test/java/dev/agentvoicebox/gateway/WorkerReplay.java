package dev.agentvoicebox.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentvoicebox.platform.RedisConnections;
import dev.agentvoicebox.platform.StreamPublisher;
import dev.agentvoicebox.platform.http.Json;
import dev.agentvoicebox.protocol.Envelope;
import dev.agentvoicebox.protocol.Kinds;
import dev.agentvoicebox.protocol.Streams;
import io.lettuce.core.Consumer;
import io.lettuce.core.RedisBusyException;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XGroupCreateArgs;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import java.util.List;

/**
 * Plays a worker's side of the stream contract by hand, so gateway tests choose exactly what a
 * worker sends: reads jobs from {@code avb:jobs:llm} (or another job stream) and replies on the
 * job's {@code reply_to}.
 */
final class WorkerReplay implements AutoCloseable {
    private final StatefulRedisConnection<String, String> connection;
    private final StreamPublisher publisher;
    private final String stream;
    private final String group;
    private final String replyTo;
    private long seq;

    /** The llm jobs of one gateway instance (others may share the Redis). */
    WorkerReplay(RedisConnections redis, Gateway gateway) {
        this(redis, Streams.LLM_JOBS, Streams.LLM_GROUP, gateway);
    }

    /** The same, for another worker pool's jobs (stt, tts). */
    WorkerReplay(RedisConnections redis, String stream, String group, Gateway gateway) {
        this.connection = redis.dedicated();
        this.publisher = new StreamPublisher(redis.shared());
        this.stream = stream;
        this.group = group;
        this.replyTo = Streams.gatewayStream(gateway.settings().instanceId());
        try {
            connection
                    .sync()
                    .xgroupCreate(XReadArgs.StreamOffset.from(stream, "0"), group, XGroupCreateArgs.Builder.mkstream());
        } catch (RedisBusyException e) {
            // created by an earlier test
        }
    }

    /** The next job for this gateway; jobs of other instances sharing the Redis are acked and passed over. */
    Envelope nextJob() {
        long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < end) {
            List<StreamMessage<String, String>> messages = connection
                    .sync()
                    .xreadgroup(
                            Consumer.from(group, "replay-" + replyTo),
                            XReadArgs.Builder.block(Duration.ofSeconds(1)).count(1),
                            XReadArgs.StreamOffset.lastConsumed(stream));
            if (messages.isEmpty()) {
                continue;
            }
            connection.sync().xack(stream, group, messages.get(0).getId());
            Envelope job = Envelope.fromFields(messages.get(0).getBody());
            if (replyTo.equals(job.replyTo())) {
                return job;
            }
        }
        throw new AssertionError("no job on " + stream + " for " + replyTo + " within 10 s");
    }

    JsonNode payload(Envelope job) {
        try {
            return Json.parse(job.payload());
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    void text(Envelope job, String delta) {
        reply(job, Kinds.LLM_TEXT_DELTA, Json.write(Json.object().put("delta", delta)));
    }

    /** A piece of tool call {@code index}; {@code name} on its first piece, null after. */
    void toolCall(Envelope job, int index, String name, String arguments) {
        var payload = Json.object().put("index", index).put("arguments", arguments);
        if (name != null) {
            payload.put("name", name);
        }
        reply(job, Kinds.LLM_TOOL_CALL_DELTA, Json.write(payload));
    }

    void done(Envelope job, String finishReason, int inputTokens, int outputTokens) {
        var payload = Json.object().put("finish_reason", finishReason).put("model", "replay");
        payload.putObject("usage").put("input_tokens", inputTokens).put("output_tokens", outputTokens);
        reply(job, Kinds.LLM_DONE, Json.write(payload));
    }

    void error(Envelope job, String code, String message) {
        reply(job, Kinds.LLM_ERROR, Json.write(Json.object().put("code", code).put("message", message)));
    }

    void reply(Envelope job, String kind, String payload) {
        publisher.publish(job.replyTo(), job.reply(kind, ++seq, payload));
    }

    boolean cancelled(String responseId) {
        return connection.sync().exists(Streams.cancelledKey(responseId)) == 1;
    }

    @Override
    public void close() {
        connection.close();
    }
}
