package dev.agentvoicebox.tenants;

import dev.agentvoicebox.platform.http.Http;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import java.util.List;

/** {@code POST/GET /v1/tenants/{tenant}/projects}, {@code GET .../projects/{project}}. */
final class ProjectsResource implements HttpService {
    private final Directory directory;

    ProjectsResource(Directory directory) {
        this.directory = directory;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.post(
                        "/{tenant}/projects",
                        Http.handler((req, res, caller) -> Http.json(
                                res,
                                Status.CREATED_201,
                                directory.createProject(
                                        req.path().pathParameters().get("tenant"), Http.body(req), caller))))
                .get("/{tenant}/projects", Http.handler((req, res, caller) -> {
                    String tenant = req.path().pathParameters().get("tenant");
                    directory.tenant(tenant);
                    if (caller.projectScope().isPresent()) {
                        // A project-scoped key sees its own project only.
                        Http.json(
                                res,
                                Status.OK_200,
                                Http.list(List.of(directory.project(tenant, caller.project())), false));
                        return;
                    }
                    Store.Page page = directory.store().projects(tenant, Http.limit(req), Http.after(req));
                    Http.json(res, Status.OK_200, Http.list(page.items(), page.hasMore()));
                }))
                .get(
                        "/{tenant}/projects/{project}",
                        Http.handler((req, res, caller) -> Http.json(
                                res,
                                Status.OK_200,
                                directory.project(
                                        req.path().pathParameters().get("tenant"),
                                        req.path().pathParameters().get("project")))));
    }
}
