package dev.agentvoicebox.tenants;

import dev.agentvoicebox.platform.Settings;
import java.nio.file.Path;
import java.time.Duration;

/** The tenants service's settings, each from its {@code AVB_*} variable or {@code app.*} in application.yaml. */
public record TenantsSettings(
        String host,
        int port,
        String tlsCert,
        String tlsKey,
        String redisUrl,
        Path signingKeysDir,
        Duration rotation,
        Duration maxKeyLifetime,
        Path tiersFile,
        Path adminKeyFile,
        Path devKeyFile,
        String devTenant,
        Duration opaSync) {

    static TenantsSettings from(Settings s) {
        return new TenantsSettings(
                s.get("AVB_TENANTS_HOST", "server.host", "127.0.0.1"),
                s.getInt("AVB_TENANTS_PORT", "server.port", 8444),
                s.find("AVB_TLS_CERT", "app.tls.cert").orElse(null),
                s.find("AVB_TLS_KEY", "app.tls.key").orElse(null),
                s.get("AVB_REDIS_URL", "app.redis.url", "redis://127.0.0.1:6390"),
                Path.of(s.get("AVB_SIGNING_KEYS_DIR", "app.signing-keys.dir", ".avb/tenants/signing-keys")),
                Duration.ofDays(s.getLong("AVB_SIGNING_KEY_ROTATION_DAYS", "app.signing-keys.rotation-days", 30)),
                Duration.ofDays(s.getLong("AVB_KEY_MAX_DAYS", "app.keys.max-days", 365)),
                Path.of(s.get("AVB_TIERS_FILE", "app.tiers-file", "policies/data/avb/tiers/data.json")),
                s.find("AVB_ADMIN_API_KEY_FILE", "app.bootstrap.admin-key-file")
                        .map(Path::of)
                        .orElse(null),
                s.find("AVB_DEV_API_KEY_FILE", "app.bootstrap.dev-key-file")
                        .map(Path::of)
                        .orElse(null),
                s.get("AVB_DEV_TENANT", "app.bootstrap.dev-tenant", "dev"),
                Duration.ofMillis(s.getLong("AVB_OPA_SYNC_TIMEOUT_MS", "app.opa.sync-timeout-ms", 2000)));
    }

    boolean tls() {
        return tlsCert != null && tlsKey != null;
    }
}
