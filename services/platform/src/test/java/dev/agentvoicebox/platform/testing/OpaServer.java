package dev.agentvoicebox.platform.testing;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The OPA Envoy binary from {@code .avb/bin} (installed by {@code make tools}) as a child process:
 * ext_authz gRPC and REST on free loopback ports, the policy bundle built from {@code policies/},
 * the tenants data bundle long polled (as {@code dev/stack.sh} configures it), decision logs on stdout
 * (captured to a file). A missing binary stops the test as {@link Prerequisites#missing} says.
 */
public final class OpaServer implements AutoCloseable {
    /** The repository root, seen from a module's folder (where surefire runs). */
    public static final Path REPO = Path.of(System.getenv().getOrDefault("AVB_REPO_ROOT", "../.."))
            .toAbsolutePath()
            .normalize();

    /** Where make tools puts OPA: {@code AVB_DIR/bin}, as for the dev scripts ({@code .avb/bin} by default). */
    private static final Path BIN = Path.of(
                    System.getenv().getOrDefault("AVB_DIR", REPO.resolve(".avb").toString()))
            .resolve("bin");

    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    public final int grpcPort;
    public final int restPort;
    public final Path log;
    private final Process process;

    private OpaServer(Process process, int grpcPort, int restPort, Path log) {
        this.process = process;
        this.grpcPort = grpcPort;
        this.restPort = restPort;
        this.log = log;
    }

    public static Path binary(String name) {
        return Prerequisites.executable(BIN.resolve(name), name);
    }

    /** Stops the test now, before it starts anything else, when opa or opa-envoy is missing. */
    public static void requireInstalled() {
        binary("opa");
        binary("opa-envoy");
    }

    /** Builds the policy bundle the way make policy-test does. */
    public static Path policyBundle(Path work) throws IOException, InterruptedException {
        Path out = work.resolve("policy.tar.gz");
        Process build = new ProcessBuilder(
                        binary("opa").toString(),
                        "build",
                        "-b",
                        "policies/envoy",
                        "policies/session",
                        "policies/system",
                        "policies/data",
                        "--ignore",
                        "*_test.rego",
                        "-r",
                        "test",
                        "-o",
                        out.toString())
                .directory(REPO.toFile())
                .redirectErrorStream(true)
                .start();
        String output = new String(build.getInputStream().readAllBytes());
        if (build.waitFor() != 0) {
            fail("opa build failed: " + output);
        }
        return out;
    }

    /** OPA polling the tenants service's data bundle on {@code tenantsPort}, ext_authz gRPC on {@code grpc}. */
    public static OpaServer start(Path work, int tenantsPort, int grpc) throws IOException, InterruptedException {
        Path policy = policyBundle(work);
        int rest = freePort();
        Path config = work.resolve("opa.yaml");
        Files.writeString(config, """
                services:
                  tenants:
                    url: http://127.0.0.1:%d
                bundles:
                  tenants:
                    service: tenants
                    resource: /bundles/tenants.tar.gz
                    polling:
                      long_polling_timeout_seconds: 30
                      min_delay_seconds: 1
                      max_delay_seconds: 1
                decision_logs:
                  console: true
                plugins:
                  envoy_ext_authz_grpc:
                    addr: 127.0.0.1:%d
                    path: envoy/authz/allow
                """.formatted(tenantsPort, grpc));
        Path log = work.resolve("opa.log");
        Process p = new ProcessBuilder(List.of(
                        binary("opa-envoy").toString(),
                        "run",
                        "--server",
                        "--addr",
                        "127.0.0.1:" + rest,
                        "--diagnostic-addr",
                        "127.0.0.1:" + freePort(),
                        "--config-file",
                        config.toString(),
                        "--bundle",
                        policy.toString(),
                        "--log-format",
                        "json"))
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        OpaServer opa = new OpaServer(p, grpc, rest, log);
        opa.awaitBundles(Duration.ofSeconds(30));
        return opa;
    }

    /** OPA's /health?bundles answers 200 once every configured bundle is activated. */
    private void awaitBundles(Duration timeout) throws IOException, InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < end) {
            if (!process.isAlive()) {
                fail("opa-envoy exited: " + Files.readString(log));
            }
            try {
                HttpResponse<String> r = HTTP.send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + restPort + "/health?bundles&plugins"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(100);
        }
        fail("opa-envoy not ready: " + Files.readString(log));
    }

    public String logText() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }
}
