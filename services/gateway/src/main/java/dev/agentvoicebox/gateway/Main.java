package dev.agentvoicebox.gateway;

import dev.agentvoicebox.gateway.access.HandshakeAuthFilter;
import dev.agentvoicebox.gateway.realtime.RealtimeHandshakeService;
import dev.agentvoicebox.gateway.rest.ClientSecretsService;
import dev.agentvoicebox.gateway.rest.SessionsService;
import dev.agentvoicebox.platform.Logging;
import dev.agentvoicebox.platform.Settings;
import dev.agentvoicebox.platform.Telemetry;
import dev.agentvoicebox.platform.TracingFilter;
import io.helidon.config.Config;
import io.helidon.webserver.http.HttpRouting;
import java.util.concurrent.CountDownLatch;
import java.util.logging.Logger;

/** Builds the gateway from configuration and runs it until SIGTERM. */
public final class Main {
    private static final Logger LOG = Logger.getLogger(Main.class.getName());

    private Main() {}

    public static void main(String[] args) throws InterruptedException {
        Logging.configure(Main.class);
        GatewaySettings settings = GatewaySettings.from(Settings.fromEnvironment(Config.create()));
        Telemetry telemetry = Telemetry.start("gateway");
        Gateway gateway = new Gateway(settings, telemetry).start();
        LOG.info(() -> "gateway " + settings.instanceId() + " listening on " + (settings.tls() ? "https" : "http")
                + "://" + settings.host() + ":" + gateway.port() + "/v1/realtime");
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            gateway.close();
                            telemetry.close();
                            stopped.countDown();
                        },
                        "gateway-shutdown"));
        stopped.await();
    }

    /** The HTTP routes; the WebSocket route is added beside them in {@link Gateway#start()}. */
    static void routing(HttpRouting.Builder routing, Gateway gateway) {
        routing.addFilter(new TracingFilter(gateway.tracer()))
                .addFilter(gateway.access()
                        .edge()
                        .filter(path -> path.startsWith("/observe/") || HandshakeAuthFilter.PATH.equals(path)))
                .addFilter(new HandshakeAuthFilter(
                        gateway.access(),
                        gateway.registry()::size,
                        gateway.settings().maxSessions()))
                .register("/v1/realtime", new RealtimeHandshakeService())
                .register("/v1/realtime", new ClientSecretsService(gateway))
                .register("/v1/realtime", new SessionsService(gateway));
    }
}
