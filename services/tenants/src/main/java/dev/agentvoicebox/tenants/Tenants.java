package dev.agentvoicebox.tenants;

import dev.agentvoicebox.platform.RedisConnections;
import dev.agentvoicebox.platform.Servers;
import dev.agentvoicebox.platform.edge.EdgeAuthz;
import io.helidon.webserver.WebServer;
import java.time.Clock;

/** The tenants service's object graph: what {@link Main} builds, and what tests (its own and the gateway's) start on a free port. */
public final class Tenants implements AutoCloseable {
    private final TenantsSettings settings;
    private final RedisConnections redis;
    private final SigningKeys signingKeys;
    private final Directory directory;
    private final EdgeAuthz edge;
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
                new Store(redis.shared()), new KeyIssuer(signingKeys, clock), tiers, settings.maxKeyLifetime(), clock);
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

    Bundle bundle() {
        return Bundle.of(directory.bundleData(signingKeys.jwks().toJSONObject()));
    }

    @Override
    public void close() {
        if (server != null) {
            server.stop();
        }
        redis.close();
        edge.close();
    }
}
