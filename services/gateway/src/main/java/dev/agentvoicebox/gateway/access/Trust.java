package dev.agentvoicebox.gateway.access;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * TLS trust for calls to the other services: the JVM's CAs, or the one CA file given (the local dev
 * CA that signs every service's certificate under {@code make run}).
 */
public final class Trust {
    private Trust() {}

    public static SSLContext sslContext(Path caFile) {
        if (caFile == null) {
            return null;
        }
        try (InputStream in = Files.newInputStream(caFile)) {
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            store.setCertificateEntry(
                    "avb-ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(store);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, trust.getTrustManagers(), null);
            return context;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the CA " + caFile, e);
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("not a usable CA certificate: " + caFile, e);
        }
    }

    public static HttpClient httpClient(Path caFile) {
        HttpClient.Builder builder = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2));
        SSLContext context = sslContext(caFile);
        if (context != null) {
            builder.sslContext(context);
        }
        return builder.build();
    }
}
