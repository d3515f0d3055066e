package dev.agentvoicebox.platform.edge;

import dev.agentvoicebox.platform.Settings;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.service.auth.v3.AttributeContext;
import io.envoyproxy.envoy.service.auth.v3.AuthorizationGrpc;
import io.envoyproxy.envoy.service.auth.v3.CheckRequest;
import io.envoyproxy.envoy.service.auth.v3.CheckResponse;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.helidon.http.Headers;
import io.helidon.webserver.http.Filter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The edge authorization every public route goes through, in one of two modes
 * ({@code AVB_EDGE_AUTHZ}):
 * <ul>
 *   <li>{@code self}: send the CheckRequest Envoy would send to the OPA Envoy plugin's
 *       {@code envoy.service.auth.v3.Authorization/Check} ({@code AVB_OPA_GRPC}, default
 *       127.0.0.1:9191) and use its answer. For the local run and the Linkerd profile, where no
 *       Envoy sits in front of the services.</li>
 *   <li>{@code mesh}: Envoy (Istio ingress, Envoy Gateway) already asked OPA and injected the
 *       {@code x-avb-*} headers: trust them, refuse a request without them.</li>
 * </ul>
 * {@link #filter} serves HTTP routes; {@link #check} is the same decision for code that runs
 * outside HTTP filters (Helidon's WebSocket upgrade).
 */
public final class EdgeAuthz implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(EdgeAuthz.class.getName());
    static final String PREFIX = "x-avb-";

    public enum Mode {
        SELF,
        MESH
    }

    private final Mode mode;
    private final ManagedChannel channel;
    private final Duration timeout;

    private EdgeAuthz(Mode mode, ManagedChannel channel, Duration timeout) {
        this.mode = mode;
        this.channel = channel;
        this.timeout = timeout;
    }

    /** From {@code AVB_EDGE_AUTHZ} (self|mesh, default self), {@code AVB_OPA_GRPC}, {@code AVB_EDGE_AUTHZ_TIMEOUT_MS}. */
    public static EdgeAuthz create(Settings settings) {
        String mode =
                settings.get("AVB_EDGE_AUTHZ", "app.edge-authz.mode", "self").toLowerCase(Locale.ROOT);
        return switch (mode) {
            case "self" -> {
                String target = settings.get("AVB_OPA_GRPC", "app.edge-authz.opa-grpc", "127.0.0.1:9191");
                int colon = target.lastIndexOf(':');
                yield self(
                        target.substring(0, colon),
                        Integer.parseInt(target.substring(colon + 1)),
                        Duration.ofMillis(
                                settings.getLong("AVB_EDGE_AUTHZ_TIMEOUT_MS", "app.edge-authz.timeout-ms", 2000)));
            }
            case "mesh" -> mesh();
            default -> throw new IllegalArgumentException("AVB_EDGE_AUTHZ must be self or mesh, got '" + mode + "'");
        };
    }

    public static EdgeAuthz self(String host, int port, Duration timeout) {
        // Plaintext gRPC: the plugin listens on loopback (a sidecar in the pod, or the local stack).
        ManagedChannel channel =
                NettyChannelBuilder.forAddress(host, port).usePlaintext().build();
        return new EdgeAuthz(Mode.SELF, channel, timeout);
    }

    public static EdgeAuthz mesh() {
        return new EdgeAuthz(Mode.MESH, null, Duration.ZERO);
    }

    public Mode mode() {
        return mode;
    }

    /**
     * The decision for one request.
     *
     * @param path    the path with its query string, as received
     * @param headers request headers; names are matched case-insensitively
     */
    public EdgeDecision check(String method, String path, Map<String, List<String>> headers) {
        Map<String, String> lower = new LinkedHashMap<>();
        headers.forEach((name, values) -> {
            if (values != null && !values.isEmpty()) {
                lower.merge(name.toLowerCase(Locale.ROOT), String.join(",", values), (a, b) -> a + "," + b);
            }
        });
        return mode == Mode.MESH ? trustMesh(lower) : askOpa(method, path, lower);
    }

    /** {@link #check} for Helidon request headers (an HTTP request or a WebSocket upgrade). */
    public EdgeDecision check(String method, String path, Headers headers) {
        Map<String, List<String>> map = new LinkedHashMap<>();
        headers.forEach(
                h -> map.computeIfAbsent(h.name(), k -> new ArrayList<>()).addAll(h.allValues()));
        return check(method, path, map);
    }

    /**
     * The filter for a service's routing. Requests whose path {@code bypass} accepts (health, JWKS,
     * the bundle OPA itself polls) are passed through without a check.
     */
    public Filter filter(Predicate<String> bypass) {
        return new EdgeAuthzFilter(this, bypass);
    }

    private static EdgeDecision trustMesh(Map<String, String> headers) {
        String role = headers.getOrDefault(EdgeIdentity.ROLE, "");
        String tenant = headers.getOrDefault(EdgeIdentity.TENANT, "");
        if (role.isEmpty() || (tenant.isEmpty() && !"platform_admin".equals(role))) {
            return EdgeDecision.deny(
                    401,
                    "missing_identity",
                    "The request did not pass the edge authorization (no x-avb-* identity headers).");
        }
        Map<String, String> identity = new LinkedHashMap<>();
        headers.forEach((k, v) -> {
            if (k.startsWith(PREFIX)) {
                identity.put(k, v);
            }
        });
        return new EdgeDecision(true, 200, "", identity, List.of(), Map.of());
    }

    private EdgeDecision askOpa(String method, String path, Map<String, String> headers) {
        String query = path.contains("?") ? path.substring(path.indexOf('?') + 1) : "";
        AttributeContext.HttpRequest.Builder http = AttributeContext.HttpRequest.newBuilder()
                .setId(UUID.randomUUID().toString())
                .setMethod(method.toUpperCase(Locale.ROOT))
                .setPath(path)
                .setQuery(query)
                .setHost(headers.getOrDefault("host", ""))
                .setScheme("https")
                .setProtocol("HTTP/1.1")
                .putAllHeaders(headers);
        CheckRequest request = CheckRequest.newBuilder()
                .setAttributes(AttributeContext.newBuilder()
                        .setRequest(AttributeContext.Request.newBuilder().setHttp(http)))
                .build();
        CheckResponse response;
        try {
            response = AuthorizationGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS)
                    .check(request);
        } catch (StatusRuntimeException e) {
            // Fail closed: without a decision nothing is served.
            LOG.log(
                    Level.WARNING,
                    "edge authorization unavailable: " + e.getStatus().getCode());
            return EdgeDecision.deny(503, "authz_unavailable", "Authorization is unavailable; try again shortly.");
        }
        return fromResponse(response);
    }

    static EdgeDecision fromResponse(CheckResponse response) {
        if (response.hasDeniedResponse()) {
            var denied = response.getDeniedResponse();
            int status = denied.hasStatus() && denied.getStatus().getCodeValue() > 0
                    ? denied.getStatus().getCodeValue()
                    : 403;
            return new EdgeDecision(
                    false, status, denied.getBody(), Map.of(), List.of(), headerMap(denied.getHeadersList()));
        }
        if (response.getStatus().getCode() != 0) {
            // An evaluation error in OPA (gRPC status in the response): Envoy fails closed too.
            LOG.warning("edge policy error: " + response.getStatus().getMessage());
            return EdgeDecision.deny(403, "authz_error", "The request could not be authorized.");
        }
        var ok = response.getOkResponse();
        return new EdgeDecision(
                true,
                200,
                "",
                headerMap(ok.getHeadersList()),
                List.copyOf(ok.getHeadersToRemoveList()),
                headerMap(ok.getResponseHeadersToAddList()));
    }

    private static Map<String, String> headerMap(List<HeaderValueOption> options) {
        Map<String, String> map = new LinkedHashMap<>();
        for (HeaderValueOption option : options) {
            map.put(
                    option.getHeader().getKey().toLowerCase(Locale.ROOT),
                    option.getHeader().getValue());
        }
        return map;
    }

    @Override
    public void close() {
        if (channel != null) {
            channel.shutdownNow();
        }
    }
}
