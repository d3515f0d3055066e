package dev.agentvoicebox.tenants;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.agentvoicebox.platform.http.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.logging.Logger;
import java.util.stream.Stream;

/**
 * The ES256 keys that sign API keys and client secrets, one file per key in a private directory
 * ({@code AVB_SIGNING_KEYS_DIR}, mode 700, files 600) rather than in Redis: every service reads the
 * shared Redis, and a private key there would let any of them mint a platform-admin key. In
 * Kubernetes the directory is a volume only the tenants pod mounts.
 *
 * <p>Rotation: a new key signs once the active one is older than the rotation period; the retired
 * key stays in the JWKS until every token it could have signed has expired (retired + the longest
 * key lifetime), then its file is deleted.
 */
final class SigningKeys {
    private static final Logger LOG = Logger.getLogger(SigningKeys.class.getName());

    private final Path dir;
    private final Duration rotation;
    private final Duration retention;
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();
    private volatile List<Entry> keys = List.of();

    SigningKeys(Path dir, Duration rotation, Duration retention, Clock clock) {
        this.dir = dir;
        this.rotation = rotation;
        this.retention = retention;
        this.clock = clock;
    }

    /** Loads the directory, drops keys past retention, and rotates when the active key is due. */
    synchronized SigningKeys open() {
        try {
            Files.createDirectories(dir);
            try {
                Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
            } catch (UnsupportedOperationException e) {
                // not a POSIX file system: nothing to tighten
            }
            List<Entry> loaded = new ArrayList<>();
            try (Stream<Path> files = Files.list(dir)) {
                for (Path file : files.filter(f -> f.getFileName().toString().endsWith(".json"))
                        .toList()) {
                    loaded.add(read(file));
                }
            }
            Instant now = clock.instant();
            List<Entry> kept = new ArrayList<>();
            for (Entry e : loaded) {
                if (e.retiredAt != null && e.retiredAt.plus(retention).isBefore(now)) {
                    Files.deleteIfExists(file(e.key.getKeyID()));
                    LOG.info("signing key " + e.key.getKeyID() + " past retention: removed from the JWKS");
                } else {
                    kept.add(e);
                }
            }
            kept.sort(Comparator.comparing((Entry e) -> e.createdAt));
            keys = List.copyOf(kept);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read signing keys in " + dir, e);
        }
        Entry active = active();
        if (active == null || !active.createdAt.plus(rotation).isAfter(clock.instant())) {
            rotate();
        }
        return this;
    }

    /** A new active key; the previous one is retired but still verifies. */
    synchronized String rotate() {
        Instant now = clock.instant();
        try {
            String kid = "sk_" + now.getEpochSecond() + "_" + HexFormat.of().formatHex(bytes(4));
            ECKey key = new ECKeyGenerator(Curve.P_256)
                    .keyID(kid)
                    .algorithm(JWSAlgorithm.ES256)
                    .keyUse(KeyUse.SIGNATURE)
                    .generate();
            List<Entry> next = new ArrayList<>();
            for (Entry e : keys) {
                Entry retired = e.retiredAt == null ? new Entry(e.key, e.createdAt, now) : e;
                write(retired);
                next.add(retired);
            }
            Entry fresh = new Entry(key, now, null);
            write(fresh);
            next.add(fresh);
            keys = List.copyOf(next);
            LOG.info("signing key rotated: " + kid + " is active, " + (next.size() - 1)
                    + " retired key(s) still in the JWKS");
            return kid;
        } catch (JOSEException e) {
            throw new IllegalStateException("cannot generate an ES256 key", e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write a signing key to " + dir, e);
        }
    }

    String sign(JWTClaimsSet claims) {
        Entry active = active();
        try {
            SignedJWT jwt = new SignedJWT(
                    new JWSHeader.Builder(JWSAlgorithm.ES256)
                            .keyID(active.key.getKeyID())
                            .type(JOSEObjectType.JWT)
                            .build(),
                    claims);
            jwt.sign(new ECDSASigner(active.key));
            return jwt.serialize();
        } catch (JOSEException e) {
            throw new IllegalStateException("signing failed", e);
        }
    }

    /** The public halves of every key that may still have live tokens. */
    JWKSet jwks() {
        List<JWK> publics = keys.stream().map(e -> (JWK) e.key.toPublicJWK()).toList();
        return new JWKSet(publics);
    }

    String activeKid() {
        return active().key.getKeyID();
    }

    private Entry active() {
        return keys.stream()
                .filter(e -> e.retiredAt == null)
                .reduce((a, b) -> b)
                .orElse(null);
    }

    private byte[] bytes(int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }

    private Path file(String kid) {
        return dir.resolve(kid + ".json");
    }

    private void write(Entry e) throws IOException {
        ObjectNode json = Json.object();
        json.set("jwk", Json.MAPPER.valueToTree(e.key.toJSONObject()));
        json.put("created_at", e.createdAt.getEpochSecond());
        if (e.retiredAt != null) {
            json.put("retired_at", e.retiredAt.getEpochSecond());
        }
        Path tmp = Files.createTempFile(
                dir,
                ".key",
                ".tmp",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(tmp, Json.write(json));
        Files.move(tmp, file(e.key.getKeyID()), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private static Entry read(Path file) throws IOException {
        try {
            JsonNode json = Json.parse(Files.readString(file));
            ECKey key = ECKey.parse(Json.write(json.get("jwk")));
            if (!key.isPrivate()) {
                throw new IOException(file + " holds no private key");
            }
            Instant retired = json.hasNonNull("retired_at")
                    ? Instant.ofEpochSecond(json.get("retired_at").asLong())
                    : null;
            return new Entry(key, Instant.ofEpochSecond(json.path("created_at").asLong()), retired);
        } catch (ParseException e) {
            throw new IOException(file + " is not a signing key file", e);
        }
    }

    private record Entry(ECKey key, Instant createdAt, Instant retiredAt) {}
}
