package dev.agentvoicebox.tenants;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentvoicebox.platform.auth.DirectoryChange;
import dev.agentvoicebox.platform.auth.KeyClaims;
import dev.agentvoicebox.platform.edge.EdgeIdentity;
import dev.agentvoicebox.platform.http.ApiError;
import dev.agentvoicebox.platform.http.Json;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/** The rules of tenants, projects, keys and client secrets, over {@link Store} and {@link KeyIssuer}. */
final class Directory {
    static final String DEFAULT_PROJECT = "default";
    static final Set<String> STATUSES = Set.of("active", "suspended");
    static final Set<String> MODALITIES = Set.of("text", "audio");
    static final Set<String> ROLES = Set.of("admin", "user", "readonly");
    private static final Set<String> TENANT_FIELDS = Set.of(
            "id",
            "name",
            "tier",
            "status",
            "allowed_voices",
            "blocked_tools",
            "allowed_output_modalities",
            "allowed_hours_utc",
            "limit_overrides");
    // What only a platform admin may change: a tenant admin must not lift its own limits.
    private static final Set<String> PLATFORM_FIELDS = Set.of("tier", "status", "limit_overrides");

    private final Store store;
    private final KeyIssuer issuer;
    private final Tiers tiers;
    private final Duration maxKeyLifetime;
    private final Clock clock;
    private final Consumer<DirectoryChange> announce;

    /** @param announce told of every change to what the bundle holds; returns once OPA holds it */
    Directory(
            Store store,
            KeyIssuer issuer,
            Tiers tiers,
            Duration maxKeyLifetime,
            Clock clock,
            Consumer<DirectoryChange> announce) {
        this.store = store;
        this.issuer = issuer;
        this.tiers = tiers;
        this.maxKeyLifetime = maxKeyLifetime;
        this.clock = clock;
        this.announce = announce;
    }

    Store store() {
        return store;
    }

    Tiers tiers() {
        return tiers;
    }

    long now() {
        return clock.instant().getEpochSecond();
    }

    // --- tenants --------------------------------------------------------------------------------

    ObjectNode createTenant(ObjectNode body) {
        Fields.onlyKnown(body, TENANT_FIELDS);
        String id = Fields.id(body.get("id"), "id");
        ObjectNode tenant = Json.object();
        tenant.put("id", id);
        tenant.put("object", "tenant");
        tenant.put("name", Fields.text(body.get("name"), "name", 200));
        tenant.put("tier", Fields.oneOf(body.get("tier"), "tier", tiers.names()));
        tenant.put("status", body.has("status") ? Fields.oneOf(body.get("status"), "status", STATUSES) : "active");
        tenant.set("allowed_voices", Json.MAPPER.createArrayNode());
        tenant.set("blocked_tools", Json.MAPPER.createArrayNode());
        tenant.set("allowed_output_modalities", Json.MAPPER.createArrayNode());
        tenant.putNull("allowed_hours_utc");
        tenant.putObject("limit_overrides");
        applyOptional(tenant, body);
        tenant.put("created_at", now());
        tenant.put("updated_at", now());
        if (!store.createTenant(id, tenant)) {
            throw ApiError.conflict("The tenant '" + id + "' already exists.");
        }
        ObjectNode project = Json.object();
        project.put("id", DEFAULT_PROJECT)
                .put("object", "project")
                .put("name", "Default project")
                .put("tenant", id)
                .put("created_at", now());
        store.createProject(id, DEFAULT_PROJECT, project);
        announce.accept(DirectoryChange.tenantChanged(id));
        return tenant;
    }

    ObjectNode tenant(String id) {
        return store.tenant(id).orElseThrow(() -> ApiError.notFound("tenant", id));
    }

    ObjectNode patchTenant(String id, ObjectNode body, EdgeIdentity caller) {
        Fields.onlyKnown(body, TENANT_FIELDS);
        if (body.has("id") && !id.equals(body.get("id").asText())) {
            throw ApiError.invalid("id", "A tenant's id cannot change.");
        }
        if (!caller.platformAdmin()) {
            for (String field : PLATFORM_FIELDS) {
                if (body.has(field)) {
                    throw ApiError.forbidden(
                            "platform_admin_only", "Only a platform admin can change '" + field + "'.");
                }
            }
        }
        ObjectNode tenant = tenant(id);
        boolean wasActive = "active".equals(tenant.path("status").asText());
        if (body.has("name")) {
            tenant.put("name", Fields.text(body.get("name"), "name", 200));
        }
        if (body.has("tier")) {
            tenant.put("tier", Fields.oneOf(body.get("tier"), "tier", tiers.names()));
        }
        if (body.has("status")) {
            tenant.put("status", Fields.oneOf(body.get("status"), "status", STATUSES));
        }
        applyOptional(tenant, body);
        tenant.put("updated_at", now());
        store.saveTenant(id, tenant);
        announce.accept(
                wasActive && !"active".equals(tenant.path("status").asText())
                        ? DirectoryChange.tenantSuspended(id)
                        : DirectoryChange.tenantChanged(id));
        return tenant;
    }

    private void applyOptional(ObjectNode tenant, ObjectNode body) {
        if (body.has("allowed_voices")) {
            tenant.set("allowed_voices", Fields.names(body.get("allowed_voices"), "allowed_voices", null));
        }
        if (body.has("blocked_tools")) {
            tenant.set("blocked_tools", Fields.names(body.get("blocked_tools"), "blocked_tools", null));
        }
        if (body.has("allowed_output_modalities")) {
            tenant.set(
                    "allowed_output_modalities",
                    Fields.names(body.get("allowed_output_modalities"), "allowed_output_modalities", MODALITIES));
        }
        if (body.has("allowed_hours_utc")) {
            JsonNode hours = body.get("allowed_hours_utc");
            if (hours.isNull()) {
                tenant.putNull("allowed_hours_utc");
            } else {
                ObjectNode h = Fields.object(hours, "allowed_hours_utc");
                Fields.onlyKnown(h, Set.of("start", "end"));
                ObjectNode clean = Json.object();
                clean.put("start", Fields.integer(h.get("start"), "allowed_hours_utc.start", 0, 23));
                clean.put("end", Fields.integer(h.get("end"), "allowed_hours_utc.end", 0, 23));
                tenant.set("allowed_hours_utc", clean);
            }
        }
        if (body.has("limit_overrides")) {
            ObjectNode o = Fields.object(body.get("limit_overrides"), "limit_overrides");
            Fields.onlyKnown(o, Tiers.LIMITS);
            ObjectNode clean = Json.object();
            o.properties()
                    .forEach(e -> clean.put(
                            e.getKey(),
                            Fields.integer(e.getValue(), "limit_overrides." + e.getKey(), 0, 1_000_000_000L)));
            tenant.set("limit_overrides", clean);
        }
    }

    // --- projects -------------------------------------------------------------------------------

    ObjectNode createProject(String tenant, ObjectNode body, EdgeIdentity caller) {
        tenant(tenant);
        if (caller.projectScope().isPresent()) {
            throw ApiError.forbidden("project_scoped_key", "A project-scoped key cannot create projects.");
        }
        Fields.onlyKnown(body, Set.of("id", "name"));
        String id = Fields.id(body.get("id"), "id");
        ObjectNode project = Json.object();
        project.put("id", id)
                .put("object", "project")
                .put("name", Fields.text(body.get("name"), "name", 200))
                .put("tenant", tenant)
                .put("created_at", now());
        if (!store.createProject(tenant, id, project)) {
            throw ApiError.conflict("The project '" + id + "' already exists.");
        }
        return project;
    }

    ObjectNode project(String tenant, String id) {
        return store.project(tenant, id).orElseThrow(() -> ApiError.notFound("project", id));
    }

    // --- keys -----------------------------------------------------------------------------------

    /** The key record with its token under {@code value}: the only time the token is shown. */
    ObjectNode createKey(String tenant, ObjectNode body, EdgeIdentity caller) {
        ObjectNode t = tenant(tenant);
        Fields.onlyKnown(body, Set.of("name", "role", "project", "expires_in_days"));
        String name = body.has("name") ? Fields.text(body.get("name"), "name", 200) : "";
        String role = Fields.oneOf(body.get("role"), "role", ROLES);
        String project = body.hasNonNull("project") ? Fields.id(body.get("project"), "project") : null;
        if (caller.projectScope().isPresent() && !caller.projectScope().get().equals(project)) {
            throw ApiError.forbidden("cross_project", "A project-scoped key can only create keys for its project.");
        }
        if (project != null) {
            project(tenant, project);
        }
        long days = body.has("expires_in_days")
                ? Fields.integer(body.get("expires_in_days"), "expires_in_days", 1, maxKeyLifetime.toDays())
                : 90;
        KeyIssuer.Issued issued =
                issuer.apiKey(tenant, project, role, t.path("tier").asText(), Duration.ofDays(days));
        ObjectNode key = Json.object();
        key.put("id", issued.id())
                .put("object", "api_key")
                .put("name", name)
                .put("tenant", tenant)
                .put("project", project)
                .put("role", role)
                .put("tier", t.path("tier").asText());
        key.set("scopes", Json.MAPPER.valueToTree(KeyIssuer.SCOPES.get(role)));
        key.put("created_at", issued.issuedAt().getEpochSecond())
                .put("expires_at", issued.expiresAt().getEpochSecond())
                .putNull("revoked_at");
        store.saveKey(tenant, issued.id(), key);
        ObjectNode shown = key.deepCopy();
        shown.put("value", issued.token());
        return shown;
    }

    Store.Page keys(String tenant, int limit, String after, EdgeIdentity caller) {
        tenant(tenant);
        return store.keys(
                tenant,
                limit,
                after,
                key -> caller.projectScope()
                        .map(p -> p.equals(key.path("project").asText(null)))
                        .orElse(true));
    }

    ObjectNode key(String tenant, String id, EdgeIdentity caller) {
        ObjectNode key = store.key(tenant, id).orElseThrow(() -> ApiError.notFound("key", id));
        if (caller.projectScope().isPresent()
                && !caller.projectScope().get().equals(key.path("project").asText(null))) {
            throw ApiError.notFound("key", id);
        }
        return key;
    }

    ObjectNode revokeKey(String tenant, String id, EdgeIdentity caller) {
        ObjectNode key = key(tenant, id, caller);
        if (key.path("revoked_at").isNull()) {
            key.put("revoked_at", now());
            store.saveKey(tenant, id, key);
        }
        store.revoke(id, key.path("expires_at").asLong());
        announce.accept(DirectoryChange.keyRevoked(tenant, id));
        ObjectNode result = key.deepCopy();
        result.put("deleted", true);
        return result;
    }

    // --- client secrets -------------------------------------------------------------------------

    ObjectNode clientSecret(String tenant, ObjectNode body, EdgeIdentity caller) {
        ObjectNode t = tenant(tenant);
        if (KeyClaims.KIND_CLIENT_SECRET.equals(caller.kind())) {
            throw ApiError.forbidden("client_secret_not_allowed", "A client secret cannot mint client secrets.");
        }
        Fields.onlyKnown(body, Set.of("session", "expires_after"));
        long ttl = 600;
        if (body.hasNonNull("expires_after")) {
            ObjectNode spec = Fields.object(body.get("expires_after"), "expires_after");
            Fields.onlyKnown(spec, Set.of("anchor", "seconds"));
            if (spec.has("anchor")) {
                Fields.oneOf(spec.get("anchor"), "expires_after.anchor", Set.of("created_at"));
            }
            if (spec.has("seconds")) {
                ttl = Fields.integer(spec.get("seconds"), "expires_after.seconds", 10, 7200);
            }
        }
        ObjectNode session = body.hasNonNull("session") ? Fields.object(body.get("session"), "session") : Json.object();
        if (Json.write(session).length() > 16 * 1024) {
            throw ApiError.invalid("session", "'session' must be at most 16 KiB of JSON.");
        }
        String parent = caller.keyId().isEmpty() ? null : caller.keyId();
        if (parent == null) {
            throw ApiError.forbidden("no_parent_key", "Client secrets are minted with an API key.");
        }
        KeyIssuer.Issued issued = issuer.clientSecret(
                tenant, caller.project(), t.path("tier").asText(), parent, session, Duration.ofSeconds(ttl));
        ObjectNode result = Json.object();
        result.put("id", issued.id());
        result.put("value", issued.token());
        result.put("expires_at", issued.expiresAt().getEpochSecond());
        result.set("session", session);
        return result;
    }

    // --- the OPA data bundle --------------------------------------------------------------------

    /** {@code data.avb.directory}: what the policies need of each tenant, the tiers, JWKS, revocations. */
    ObjectNode bundleData(Map<String, Object> jwks) {
        ObjectNode directory = Json.object();
        ObjectNode tenants = directory.putObject("tenants");
        for (ObjectNode t : store.allTenants()) {
            ObjectNode view = tenants.putObject(t.path("id").asText());
            for (String field : List.of(
                    "tier",
                    "status",
                    "allowed_voices",
                    "blocked_tools",
                    "allowed_output_modalities",
                    "allowed_hours_utc",
                    "limit_overrides")) {
                view.set(field, t.get(field));
            }
        }
        directory.set("tiers", tiers.catalogue());
        directory.set("jwks", Json.MAPPER.valueToTree(jwks));
        directory.set("revoked", Json.MAPPER.valueToTree(store.revocations(now())));
        ObjectNode root = Json.object();
        root.putObject("avb").set("directory", directory);
        return root;
    }
}
