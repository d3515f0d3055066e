package dev.agentvoicebox.tenants;

import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;

/**
 * The routes that need no key: {@code /.well-known/jwks.json} (public keys) and
 * {@code /bundles/tenants.tar.gz} (OPA's data bundle, polled with If-None-Match). In the mesh only
 * OPA's ServiceAccount may reach the bundle.
 */
final class PublicResource implements HttpService {
    private final Tenants tenants;

    PublicResource(Tenants tenants) {
        this.tenants = tenants;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/.well-known/jwks.json", (req, res) -> {
                    res.header(HeaderValues.CONTENT_TYPE_JSON);
                    res.header(HeaderNames.CACHE_CONTROL, "max-age=300");
                    res.send(tenants.signingKeys().jwks().toString());
                })
                .get("/bundles/tenants.tar.gz", (req, res) -> {
                    Bundle bundle = tenants.bundle();
                    res.header(HeaderNames.ETAG, bundle.etag());
                    String ifNoneMatch =
                            req.headers().first(HeaderNames.IF_NONE_MATCH).orElse("");
                    if (ifNoneMatch.equals(bundle.etag()) || ifNoneMatch.equals(bundle.revision())) {
                        res.status(Status.NOT_MODIFIED_304);
                        res.send();
                        return;
                    }
                    res.header(HeaderNames.CONTENT_TYPE, "application/gzip");
                    res.send(bundle.bytes());
                });
    }
}
