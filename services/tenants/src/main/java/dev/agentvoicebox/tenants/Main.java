package dev.agentvoicebox.tenants;

import dev.agentvoicebox.platform.Settings;
import dev.agentvoicebox.platform.edge.EdgeAuthz;
import io.helidon.config.Config;
import io.helidon.logging.common.LogConfig;
import io.helidon.webserver.http.HttpRouting;
import java.time.Clock;
import java.util.concurrent.CountDownLatch;
import java.util.logging.Logger;

/** Builds the tenants service from configuration and runs it until SIGTERM. */
public final class Main {
    private static final Logger LOG = Logger.getLogger(Main.class.getName());

    private Main() {}

    public static void main(String[] args) throws InterruptedException {
        LogConfig.configureRuntime();
        Settings settings = Settings.fromEnvironment(Config.create());
        TenantsSettings s = TenantsSettings.from(settings);
        Tenants tenants = new Tenants(s, EdgeAuthz.create(settings), Clock.systemUTC());
        Bootstrap.run(tenants);
        tenants.start();
        LOG.info(() -> "tenants listening on " + (s.tls() ? "https" : "http") + "://" + s.host() + ":" + tenants.port()
                + " (edge authz: " + tenants.edge().mode().name().toLowerCase() + ")");
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            tenants.close();
                            stopped.countDown();
                        },
                        "tenants-shutdown"));
        stopped.await();
    }

    /** Health, JWKS and the bundle are open; every other route passes the edge policy first. */
    static void routing(HttpRouting.Builder routing, Tenants tenants) {
        Directory directory = tenants.directory();
        routing.addFilter(tenants.edge()
                        .filter(path -> path.startsWith("/observe/")
                                || path.equals("/.well-known/jwks.json")
                                || path.equals("/bundles/tenants.tar.gz")))
                .register("/", new PublicResource(tenants))
                .register(
                        "/v1/tenants",
                        new TenantsResource(directory),
                        new ProjectsResource(directory),
                        new KeysResource(directory),
                        new ClientSecretsResource(directory))
                .register("/v1/signing_keys", new SigningKeysResource(tenants.signingKeys(), tenants::announce));
    }
}
