package dev.agentvoicebox.tenants;

import dev.agentvoicebox.platform.http.Http;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;

/**
 * {@code POST/GET /v1/tenants/{tenant}/keys}, {@code GET/DELETE .../keys/{key_id}}. The token is in
 * the creation response only; DELETE revokes (the record stays, with {@code revoked_at}).
 */
final class KeysResource implements HttpService {
    private final Directory directory;

    KeysResource(Directory directory) {
        this.directory = directory;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.post(
                        "/{tenant}/keys",
                        Http.handler((req, res, caller) -> Http.json(
                                res,
                                Status.CREATED_201,
                                directory.createKey(
                                        req.path().pathParameters().get("tenant"), Http.body(req), caller))))
                .get("/{tenant}/keys", Http.handler((req, res, caller) -> {
                    Store.Page page = directory.keys(
                            req.path().pathParameters().get("tenant"), Http.limit(req), Http.after(req), caller);
                    Http.json(res, Status.OK_200, Http.list(page.items(), page.hasMore()));
                }))
                .get(
                        "/{tenant}/keys/{key}",
                        Http.handler((req, res, caller) -> Http.json(
                                res,
                                Status.OK_200,
                                directory.key(
                                        req.path().pathParameters().get("tenant"),
                                        req.path().pathParameters().get("key"),
                                        caller))))
                .delete(
                        "/{tenant}/keys/{key}",
                        Http.handler((req, res, caller) -> Http.json(
                                res,
                                Status.OK_200,
                                directory.revokeKey(
                                        req.path().pathParameters().get("tenant"),
                                        req.path().pathParameters().get("key"),
                                        caller))));
    }
}
