package dev.agentvoicebox.tenants;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentvoicebox.platform.auth.InvalidKeyException;
import dev.agentvoicebox.platform.auth.KeyClaims;
import dev.agentvoicebox.platform.auth.KeyVerifier;
import dev.agentvoicebox.platform.auth.Revocations;
import dev.agentvoicebox.platform.http.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.logging.Logger;

/**
 * First-start keys for a local stack: a platform-admin key and a dev tenant with a user key, each
 * written to its file (mode 600) only when the file does not exist, so an existing key is never
 * replaced behind its user's back. The token goes to the file only, never to a log line.
 */
public final class Bootstrap {
    private static final Logger LOG = Logger.getLogger(Bootstrap.class.getName());
    private static final Duration LIFETIME = Duration.ofDays(365);

    private Bootstrap() {}

    public static void run(Tenants tenants) {
        TenantsSettings s = tenants.settings();
        KeyIssuer issuer = new KeyIssuer(tenants.signingKeys(), java.time.Clock.systemUTC());
        if (s.adminKeyFile() != null) {
            if (Files.exists(s.adminKeyFile())) {
                check(tenants, s.adminKeyFile());
            } else {
                write(
                        s.adminKeyFile(),
                        issuer.apiKey(null, null, KeyClaims.ROLE_PLATFORM_ADMIN, null, LIFETIME)
                                .token());
                LOG.info("wrote a platform admin key to " + s.adminKeyFile());
            }
        }
        if (s.devTenant() == null || s.devTenant().isEmpty()) {
            return;
        }
        Directory directory = tenants.directory();
        if (directory.store().tenant(s.devTenant()).isEmpty()) {
            ObjectNode body = Json.object();
            body.put("id", s.devTenant()).put("name", "Local development").put("tier", "enterprise");
            directory.createTenant(body);
            LOG.info("created the dev tenant '" + s.devTenant() + "'");
        }
        if (s.devKeyFile() != null) {
            if (Files.exists(s.devKeyFile())) {
                check(tenants, s.devKeyFile());
            } else {
                ObjectNode body = Json.object();
                body.put("name", "dev stack user key").put("role", "user").put("expires_in_days", LIFETIME.toDays());
                ObjectNode key = directory.createKey(
                        s.devTenant(),
                        body,
                        new dev.agentvoicebox.platform.edge.EdgeIdentity(
                                s.devTenant(), "", KeyClaims.ROLE_PLATFORM_ADMIN, "", "", KeyClaims.KIND_API_KEY));
                write(s.devKeyFile(), key.get("value").asText());
                LOG.info("wrote the dev tenant's user key " + key.get("id").asText() + " to " + s.devKeyFile());
            }
        }
    }

    /** Says so when a key file holds something these signing keys do not verify (an old opaque key). */
    private static void check(Tenants tenants, Path file) {
        try {
            KeyVerifier.fromJwks(
                            tenants.signingKeys().jwks().toString(),
                            Revocations.redis(tenants.redis().shared()))
                    .verify(Files.readString(file).trim());
        } catch (InvalidKeyException e) {
            LOG.warning(file + " holds a key these signing keys do not accept (" + e.code()
                    + "); delete the file and restart to get a new one");
        } catch (IOException e) {
            LOG.warning("cannot read " + file + ": " + e.getMessage());
        }
    }

    private static void write(Path file, String token) {
        try {
            Path dir = file.toAbsolutePath().getParent();
            Files.createDirectories(dir);
            Path tmp = Files.createTempFile(
                    dir,
                    ".key",
                    ".tmp",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(tmp, token);
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }
}
