package dev.agentvoicebox.platform;

import io.helidon.common.configurable.Resource;
import io.helidon.common.tls.Tls;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.WebServerConfig;
import java.nio.file.Path;

/**
 * The HTTP listener of a public service: health on {@code /observe/health}, TLS from PEM files
 * (the certificate chain and its PKCS#8 key) when both are given, and no shutdown hook of Helidon's
 * own, since each service's Main stops its object graph in order.
 */
public final class Servers {
    private Servers() {}

    public static WebServerConfig.Builder listener(
            String host, int port, RedisConnections redis, String tlsCert, String tlsKey) {
        WebServerConfig.Builder builder =
                WebServer.builder().host(host).port(port).shutdownHook(false).addFeature(Health.observe(redis));
        if (tlsCert != null && tlsKey != null) {
            builder.tls(pem(tlsCert, tlsKey));
        }
        return builder;
    }

    private static Tls pem(String certChain, String privateKey) {
        return Tls.builder()
                .privateKey(key -> key.pem(pem -> pem.key(Resource.create(Path.of(privateKey)))))
                .privateKeyCertChain(key -> key.pem(pem -> pem.certChain(Resource.create(Path.of(certChain)))))
                .build();
    }
}
