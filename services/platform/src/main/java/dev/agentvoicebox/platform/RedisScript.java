package dev.agentvoicebox.platform;

import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;

/**
 * A Lua script run by its SHA1 ({@code EVALSHA}), so only the digest travels. Redis keeps scripts
 * in a cache that a restart or a failover to another node empties; on {@code NOSCRIPT} the script
 * is sent once in full with {@code EVAL}, which runs it and caches it on that node again. Nothing
 * needs loading up front, so a caller works whether Redis was there at its start or not.
 */
public final class RedisScript {
    private final StatefulRedisConnection<String, String> connection;
    private final String source;
    private final String sha;

    public RedisScript(StatefulRedisConnection<String, String> connection, String source) {
        this.connection = connection;
        this.source = source;
        this.sha = connection.sync().digest(source);
    }

    public <T> T run(ScriptOutputType type, String[] keys, String... args) {
        var commands = connection.sync();
        try {
            return commands.evalsha(sha, type, keys, args);
        } catch (RedisNoScriptException e) {
            return commands.eval(source, type, keys, args);
        }
    }
}
