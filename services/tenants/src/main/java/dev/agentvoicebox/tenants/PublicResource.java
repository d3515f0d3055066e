package dev.agentvoicebox.tenants;

import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import java.time.Duration;
import java.util.List;

/**
 * The routes that need no key: {@code /.well-known/jwks.json} (public keys) and
 * {@code /bundles/tenants.tar.gz} (OPA's data bundle, polled with If-None-Match, long polled when OPA
 * sends {@code Prefer: wait=<s>}). In the mesh only OPA's ServiceAccount may reach the bundle.
 */
final class PublicResource implements HttpService {
    private static final HeaderName PREFER = HeaderNames.create("Prefer");

    private final Tenants tenants;

    PublicResource(Tenants tenants) {
        this.tenants = tenants;
    }

    /** The {@code wait=<seconds>} of OPA's {@code Prefer} header (RFC 7240), or null when it asks for no long poll. */
    static Duration longPollWait(List<String> prefer) {
        for (String header : prefer) {
            for (String preference : header.split("[;,]")) {
                String[] pair = preference.trim().split("=", 2);
                if (pair.length == 2 && pair[0].trim().equalsIgnoreCase("wait")) {
                    try {
                        long seconds = Long.parseLong(pair[1].trim());
                        return seconds > 0 ? Duration.ofSeconds(seconds) : null;
                    } catch (NumberFormatException e) {
                        return null;
                    }
                }
            }
        }
        return null;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/.well-known/jwks.json", (req, res) -> {
                    res.header(HeaderValues.CONTENT_TYPE_JSON);
                    res.header(HeaderNames.CACHE_CONTROL, "max-age=300");
                    res.send(tenants.signingKeys().jwks().toString());
                })
                .get("/bundles/tenants.tar.gz", (req, res) -> {
                    BundleFeed.Answer answer;
                    try {
                        answer = tenants.feed()
                                .poll(
                                        req.headers()
                                                .first(HeaderNames.IF_NONE_MATCH)
                                                .orElse(""),
                                        longPollWait(req.headers().all(PREFER, List::of)));
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt(); // the server is stopping
                        res.status(Status.SERVICE_UNAVAILABLE_503);
                        res.send();
                        return;
                    }
                    res.header(HeaderNames.ETAG, answer.bundle().etag());
                    // OPA keeps long polling only while every answer, 304 included, carries this type.
                    if (answer.longPoll()) {
                        res.header(HeaderNames.CONTENT_TYPE, BundleFeed.LONG_POLL_TYPE);
                    }
                    if (answer.status() == 304) {
                        res.status(Status.NOT_MODIFIED_304);
                        res.send();
                        return;
                    }
                    if (!answer.longPoll()) {
                        res.header(HeaderNames.CONTENT_TYPE, "application/gzip");
                    }
                    res.send(answer.bundle().bytes());
                });
    }
}
