package dev.agentvoicebox.tenants;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentvoicebox.platform.auth.DirectoryChange;
import dev.agentvoicebox.platform.http.ApiError;
import dev.agentvoicebox.platform.http.Http;
import dev.agentvoicebox.platform.http.Json;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import java.util.function.Consumer;

/** {@code POST /v1/signing_keys/rotate} (platform admin): a new signing key now, the old one retired. */
final class SigningKeysResource implements HttpService {
    private final SigningKeys keys;
    private final Consumer<DirectoryChange> announce;

    SigningKeysResource(SigningKeys keys, Consumer<DirectoryChange> announce) {
        this.keys = keys;
        this.announce = announce;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.post("/rotate", Http.handler((req, res, caller) -> {
            if (!caller.platformAdmin()) {
                throw ApiError.forbidden("platform_admin_only", "Only a platform admin can rotate signing keys.");
            }
            String kid = keys.rotate();
            // The bundle's JWKS gains the new key: keys signed with it verify once this answers.
            announce.accept(DirectoryChange.signingKeysChanged());
            ObjectNode body = Json.object();
            body.put("object", "signing_key").put("kid", kid).put("active", true);
            Http.json(res, Status.OK_200, body);
        }));
    }
}
