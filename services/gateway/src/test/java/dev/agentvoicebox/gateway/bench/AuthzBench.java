package dev.agentvoicebox.gateway.bench;

import static dev.agentvoicebox.gateway.bench.BenchSupport.env;
import static dev.agentvoicebox.gateway.bench.BenchSupport.requireLoopback;

import dev.agentvoicebox.platform.RedisConnections;
import dev.agentvoicebox.platform.edge.EdgeAuthz;
import dev.agentvoicebox.platform.edge.EdgeDecision;
import dev.agentvoicebox.platform.limits.LimitOutcome;
import dev.agentvoicebox.platform.limits.Limits;
import dev.agentvoicebox.platform.limits.RateLimiter;
import dev.agentvoicebox.platform.policy.PolicyUnavailableException;
import dev.agentvoicebox.platform.policy.SessionDecision;
import dev.agentvoicebox.platform.policy.SessionPolicy;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The per-request and per-response authorization costs, against the running stack's OPA and Redis
 * ({@code make bench}; JMH, sample mode, so the summary has p50/p90/p99/p99.9):
 * <ul>
 *   <li>{@code edgeCheck}: {@link EdgeAuthz#check} of a WebSocket handshake with the dev key: one
 *       ext_authz gRPC Check to the OPA Envoy plugin, which verifies the signed key (JWKS from the
 *       tenants bundle) and evaluates the edge policy;</li>
 *   <li>{@code sessionPolicyUncached}: {@link SessionPolicy#decide} for a tenant/project it has not
 *       seen (a new project each call: one POST to OPA's data API), {@code sessionPolicyCached} for the
 *       same one again (the 60 s cache; every 5 s one lookup also reads the bundle revision);</li>
 *   <li>{@code rateLimitAcquireResponse}, {@code rateLimitCheckTokens}: {@link RateLimiter}'s Lua token
 *       buckets (one EVALSHA each) on a throwaway tenant {@code bench-<random>}, whose keys are deleted
 *       afterwards, with limits high enough that every call is admitted.</li>
 * </ul>
 * One thread, so these are latencies without contention. Settings from the environment:
 * AVB_OPA_GRPC (127.0.0.1:9191), AVB_OPA_URL (http://127.0.0.1:8181), AVB_REDIS_URL
 * (redis://127.0.0.1:6390), AVB_API_KEY_FILE (.avb/dev-api-key), AVB_BENCH_TENANT (dev: the tenant
 * whose session decision is read). Loopback only.
 *
 * <pre>
 * make bench AUTHZ_ARGS="-i 5 -r 5s"          # JMH options (org.openjdk.jmh.Main -h)
 * </pre>
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(
        value = 1,
        jvmArgsAppend = {"--sun-misc-unsafe-memory-access=allow", "--enable-native-access=ALL-UNNAMED"})
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 2)
@Threads(1)
public class AuthzBench {

    @State(Scope.Benchmark)
    public static class Edge {
        EdgeAuthz authz;
        Map<String, List<String>> headers;

        @Setup(Level.Trial)
        public void setUp() throws IOException {
            String target = env("AVB_OPA_GRPC", "127.0.0.1:9191");
            int colon = target.lastIndexOf(':');
            String host = target.substring(0, colon);
            requireLoopback("bench", host);
            authz = EdgeAuthz.self(host, Integer.parseInt(target.substring(colon + 1)), Duration.ofSeconds(2));
            String key = Files.readString(Path.of(env("AVB_API_KEY_FILE", ".avb/dev-api-key")))
                    .trim();
            // What the gateway passes for a WebSocket upgrade.
            headers = Map.of(
                    "Host", List.of("127.0.0.1:8443"),
                    "Authorization", List.of("Bearer " + key),
                    "Connection", List.of("Upgrade"),
                    "Upgrade", List.of("websocket"),
                    "Sec-WebSocket-Version", List.of("13"),
                    "Sec-WebSocket-Key", List.of("dGhlIHNhbXBsZSBub25jZQ=="));
            EdgeDecision first = check();
            if (!first.allowed()) {
                throw new IllegalStateException("OPA refused the dev key (" + first.status() + " " + first.body()
                        + "): is the stack running with a signed .avb/dev-api-key?");
            }
        }

        EdgeDecision check() {
            return authz.check("GET", "/v1/realtime?model=gpt-realtime", headers);
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            authz.close();
        }
    }

    @State(Scope.Benchmark)
    public static class Policy {
        SessionPolicy policy;
        String tenant;
        final AtomicLong projects = new AtomicLong();

        @Setup(Level.Trial)
        public void setUp() throws Exception {
            URI opa = URI.create(env("AVB_OPA_URL", "http://127.0.0.1:8181"));
            requireLoopback("bench", opa.getHost());
            // As the gateway builds it: 60 s cache, revision checked every 5 s.
            policy = new SessionPolicy(
                    opa,
                    HttpClient.newBuilder()
                            .connectTimeout(Duration.ofSeconds(2))
                            .build(),
                    Duration.ofSeconds(60),
                    Duration.ofSeconds(5),
                    Clock.systemUTC());
            tenant = env("AVB_BENCH_TENANT", "dev");
            SessionDecision first = policy.decide(tenant, null);
            if (!first.allowed()) {
                throw new IllegalStateException("the session policy refuses tenant " + tenant + ": " + first.reason());
            }
        }
    }

    @State(Scope.Benchmark)
    public static class Limiter {
        RedisConnections redis;
        RateLimiter limiter;
        final String tenant = "bench-" + UUID.randomUUID().toString().substring(0, 8);
        // High enough that every call is admitted: the cost measured is the admitting path.
        final Limits limits = new Limits(1_000_000_000L, 1_000_000_000_000L, 1_000_000L, 1_000_000L);

        @Setup(Level.Trial)
        public void setUp() throws IOException {
            String url = env("AVB_REDIS_URL", "redis://127.0.0.1:6390");
            requireLoopback("bench", URI.create(url).getHost());
            redis = new RedisConnections(url);
            limiter = new RateLimiter(redis.shared(), Clock.systemUTC());
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            // The two buckets this tenant used (RateLimiter's key scheme: avb:rl:{<tenant>}:<name>).
            redis.shared().sync().del("avb:rl:{" + tenant + "}:responses", "avb:rl:{" + tenant + "}:tokens");
            redis.close();
        }
    }

    @Benchmark
    public EdgeDecision edgeCheck(Edge edge) {
        return edge.check();
    }

    @Benchmark
    public SessionDecision sessionPolicyUncached(Policy p) throws PolicyUnavailableException {
        return p.policy.decide(p.tenant, "bench-project-" + p.projects.incrementAndGet());
    }

    @Benchmark
    public SessionDecision sessionPolicyCached(Policy p) throws PolicyUnavailableException {
        return p.policy.decide(p.tenant, null);
    }

    @Benchmark
    public LimitOutcome rateLimitAcquireResponse(Limiter l) {
        return l.limiter.acquireResponse(l.tenant, l.limits);
    }

    @Benchmark
    public LimitOutcome rateLimitCheckTokens(Limiter l) {
        return l.limiter.checkTokens(l.tenant, l.limits);
    }
}
