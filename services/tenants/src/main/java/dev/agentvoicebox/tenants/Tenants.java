package dev.agentvoicebox.tenants;

import dev.agentvoicebox.platform.RedisConnections;
import dev.agentvoicebox.platform.Servers;
import dev.agentvoicebox.platform.auth.DirectoryChange;
import dev.agentvoicebox.platform.edge.EdgeAuthz;
import io.helidon.webserver.WebServer;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.time.Clock;
import java.util.logging.Logger;

/** The tenants service's object graph: what {@link Main} builds, and what tests (its own and the gateway's) start on a free port. */
public final class Tenants implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(Tenants.class.getName());
    /** Long polls held at once: one per OPA, so far more than a deployment has. */
    static final int MAX_BUNDLE_WATCHERS = 1024;

    private final TenantsSettings settings;
    private final RedisConnections redis;
    private final SigningKeys signingKeys;
    private final Directory directory;
    private final EdgeAuthz edge;
    private final BundleFeed feed;
    private final StatefulRedisPubSubConnection<String, String> changes;
    private WebServer server;

    public Tenants(TenantsSettings settings, EdgeAuthz edge, Clock clock) {
        this.settings = settings;
        this.edge = edge;
        Tiers tiers = Tiers.load(settings.tiersFile());
        this.signingKeys = new SigningKeys(
                        settings.signingKeysDir(), settings.rotation(), settings.maxKeyLifetime(), clock)
                .open();
        this.redis = new RedisConnections(settings.redisUrl());
        this.directory = new Directory(
                new Store(redis.shared()),
                new KeyIssuer(signingKeys, clock),
                tiers,
                settings.maxKeyLifetime(),
                clock,
                this::announce);
        this.feed = new BundleFeed(this::bundle, MAX_BUNDLE_WATCHERS);
        // A change made through another replica wakes the long polls this one holds.
        this.changes = redis.pubSub();
        changes.addListener(new RedisPubSubAdapter<>() {
            @Override
            public void message(String channel, String message) {
                feed.changed();
            }
        });
        changes.sync().subscribe(DirectoryChange.CHANNEL);
    }

    public Tenants start() {
        server = Servers.listener(settings.host(), settings.port(), redis, settings.tlsCert(), settings.tlsKey())
                .routing(routing -> Main.routing(routing, this))
                .build()
                .start();
        return this;
    }

    public int port() {
        return server.port();
    }

    Directory directory() {
        return directory;
    }

    SigningKeys signingKeys() {
        return signingKeys;
    }

    EdgeAuthz edge() {
        return edge;
    }

    TenantsSettings settings() {
        return settings;
    }

    RedisConnections redis() {
        return redis;
    }

    BundleFeed feed() {
        return feed;
    }

    /**
     * After a change to what the bundle holds: tells the gateways (they end the live sessions of a
     * revoked key or a suspended tenant) and the other replicas, hands OPAs the new bundle, and
     * returns once they confirmed it (read-your-writes), or after {@code AVB_OPA_SYNC_TIMEOUT_MS}.
     */
    void announce(DirectoryChange change) {
        try {
            redis.shared().sync().publish(DirectoryChange.CHANNEL, change.toJson());
        } catch (RuntimeException e) {
            LOG.warning("could not announce " + change.kind() + "; gateways see it at their next access recheck: "
                    + e.getMessage());
        }
        feed.changed();
        try {
            if (!feed.awaitOpas(settings.opaSync())) {
                LOG.warning("not every OPA confirmed the bundle after " + change.kind() + " within "
                        + settings.opaSync().toMillis() + " ms");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    Bundle bundle() {
        return Bundle.of(directory.bundleData(signingKeys.jwks().toJSONObject()));
    }

    @Override
    public void close() {
        feed.close();
        if (server != null) {
            server.stop();
        }
        changes.close();
        redis.close();
        edge.close();
    }
}
