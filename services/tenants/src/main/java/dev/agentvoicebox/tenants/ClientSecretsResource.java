package dev.agentvoicebox.tenants;

import dev.agentvoicebox.platform.http.Http;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;

/**
 * {@code POST /v1/tenants/{tenant}/client_secrets}: the gateway's {@code /v1/realtime/client_secrets}
 * forwards the caller's key here, so ephemeral secrets are signed by the same keys as API keys and
 * the signing keys never leave this service.
 */
final class ClientSecretsResource implements HttpService {
    private final Directory directory;

    ClientSecretsResource(Directory directory) {
        this.directory = directory;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.post(
                "/{tenant}/client_secrets",
                Http.handler((req, res, caller) -> Http.json(
                        res,
                        Status.OK_200,
                        directory.clientSecret(req.path().pathParameters().get("tenant"), Http.body(req), caller))));
    }
}
