package dev.agentvoicebox.platform;

import io.lettuce.core.Consumer;
import io.lettuce.core.RedisBusyException;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XGroupCreateArgs;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.api.sync.RedisCommands;
import java.util.List;
import java.util.Objects;
import java.util.logging.Logger;

/**
 * One consumer's reads of a stream through its consumer group. Redis that comes back empty (a
 * restart without its data, a failover to a fresh node) has neither the stream nor the group, and
 * every read then fails with {@code NOGROUP}: the read makes the group again and goes on. The group
 * made then starts at the stream's beginning, since all it holds arrived after Redis came back.
 */
public final class StreamGroup {
    private static final Logger LOG = Logger.getLogger(StreamGroup.class.getName());

    private final String stream;
    private final String group;
    private final Consumer<String> consumer;

    public StreamGroup(String stream, String group, String consumerName) {
        this.stream = Objects.requireNonNull(stream);
        this.group = Objects.requireNonNull(group);
        this.consumer = Consumer.from(group, Objects.requireNonNull(consumerName));
    }

    public String stream() {
        return stream;
    }

    public String group() {
        return group;
    }

    public Consumer<String> consumer() {
        return consumer;
    }

    /**
     * Creates the group, and the stream if missing, unless the group exists.
     *
     * @param from where a new group starts: {@code 0} for every message, {@code $} for new ones only
     */
    public void create(RedisCommands<String, String> commands, String from) {
        try {
            commands.xgroupCreate(
                    XReadArgs.StreamOffset.from(stream, from), group, XGroupCreateArgs.Builder.mkstream());
        } catch (RedisBusyException e) {
            // BUSYGROUP: the group exists already.
        }
    }

    /**
     * Messages not yet delivered to the group ({@code XREADGROUP ... >}). After {@code NOGROUP} the
     * group is made again and the answer is empty; the next read gets what the stream holds.
     */
    public List<StreamMessage<String, String>> read(RedisCommands<String, String> commands, XReadArgs args) {
        try {
            return commands.xreadgroup(consumer, args, XReadArgs.StreamOffset.lastConsumed(stream));
        } catch (RedisCommandExecutionException e) {
            if (!String.valueOf(e.getMessage()).startsWith("NOGROUP")) {
                throw e;
            }
            LOG.warning(() -> "Redis lost " + stream + " and its group " + group + "; making them again");
            create(commands, "0");
            return List.of();
        }
    }
}
