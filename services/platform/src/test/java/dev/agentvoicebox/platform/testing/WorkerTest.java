package dev.agentvoicebox.platform.testing;

import dev.agentvoicebox.platform.RedisConnections;
import dev.agentvoicebox.platform.Settings;
import dev.agentvoicebox.protocol.Envelope;
import io.helidon.config.Config;
import io.helidon.config.ConfigSources;
import io.lettuce.core.Range;
import io.lettuce.core.StreamMessage;
import java.util.List;
import java.util.Map;

/** What a worker's end-to-end test needs around a real redis-server. */
public final class WorkerTest {
    private WorkerTest() {}

    /** The service's application.yaml and {@code env} only: the machine's variables must not leak in. */
    public static Settings settings(Map<String, String> env) {
        Config config = Config.builder()
                .disableEnvironmentVariablesSource()
                .disableSystemPropertiesSource()
                .sources(ConfigSources.classpath("application.yaml"))
                .build();
        return new Settings(config, env);
    }

    /** Every envelope on {@code stream}, oldest first. */
    public static List<Envelope> results(RedisConnections redis, String stream) {
        return redis.shared().sync().xrange(stream, Range.create("-", "+")).stream()
                .map(StreamMessage::getBody)
                .map(Envelope::fromFields)
                .toList();
    }
}
