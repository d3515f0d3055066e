package dev.agentvoicebox.platform;

import java.nio.file.Path;

import io.helidon.common.configurable.Resource;
import io.helidon.common.tls.Tls;

/** A listener's TLS from PEM files: the certificate chain and its PKCS#8 private key. */
public final class ServerTls {
    private ServerTls() {
    }

    public static Tls pem(String certChain, String privateKey) {
        return Tls.builder()
                .privateKey(key -> key.pem(pem -> pem.key(Resource.create(Path.of(privateKey)))))
                .privateKeyCertChain(key -> key.pem(pem -> pem.certChain(Resource.create(Path.of(certChain)))))
                .build();
    }
}
