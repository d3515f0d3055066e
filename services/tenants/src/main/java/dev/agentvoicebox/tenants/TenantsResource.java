package dev.agentvoicebox.tenants;

import dev.agentvoicebox.platform.http.Http;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;

/** {@code POST/GET /v1/tenants}, {@code GET/PATCH /v1/tenants/{tenant}}. */
final class TenantsResource implements HttpService {
    private final Directory directory;

    TenantsResource(Directory directory) {
        this.directory = directory;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.post(
                        "/",
                        Http.handler((req, res, caller) ->
                                Http.json(res, Status.CREATED_201, directory.createTenant(Http.body(req)))))
                .get("/", Http.handler((req, res, caller) -> {
                    Store.Page page = directory.store().tenants(Http.limit(req), Http.after(req));
                    Http.json(res, Status.OK_200, Http.list(page.items(), page.hasMore()));
                }))
                .get(
                        "/{tenant}",
                        Http.handler((req, res, caller) -> Http.json(
                                res,
                                Status.OK_200,
                                directory.tenant(req.path().pathParameters().get("tenant")))))
                .patch(
                        "/{tenant}",
                        Http.handler((req, res, caller) -> Http.json(
                                res,
                                Status.OK_200,
                                directory.patchTenant(
                                        req.path().pathParameters().get("tenant"), Http.body(req), caller))));
    }
}
