package dev.agentvoicebox.platform.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real {@code redis-server} child process on a free loopback port, for integration tests.
 * Nothing is persisted ({@code --save '' --appendonly no}); the process dies with {@link #close()}
 * (and with the JVM, through a shutdown hook).
 *
 * <pre>{@code
 * try (RedisServer redis = RedisServer.start()) {
 *     new RedisConnections(redis.url());
 * }
 * }</pre>
 *
 * The binary is {@code /usr/bin/redis-server} unless {@code AVB_REDIS_SERVER} names another; when
 * it is missing the test stops as {@link Prerequisites#missing} says.
 */
public final class RedisServer implements AutoCloseable {
    private final Process process;
    private final int port;
    private final Thread reaper;

    private RedisServer(Process process, int port) {
        this.process = process;
        this.port = port;
        this.reaper = new Thread(process::destroyForcibly, "redis-server-reaper");
        Runtime.getRuntime().addShutdownHook(reaper);
    }

    public static RedisServer start() {
        String binary = Prerequisites.executable(
                        Path.of(System.getenv().getOrDefault("AVB_REDIS_SERVER", "/usr/bin/redis-server")),
                        "redis-server")
                .toString();
        IOException last = null;
        for (int i = 0; i < 5; i++) {
            int port = freePort();
            try {
                Process process = new ProcessBuilder(List.of(
                                binary,
                                "--port",
                                Integer.toString(port),
                                "--bind",
                                "127.0.0.1",
                                "--save",
                                "",
                                "--appendonly",
                                "no",
                                "--protected-mode",
                                "no"))
                        .redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                        .start();
                RedisServer server = new RedisServer(process, port);
                if (server.awaitListening(Duration.ofSeconds(10))) {
                    return server;
                }
                server.close();
            } catch (IOException e) {
                last = e;
            }
        }
        throw new IllegalStateException("redis-server did not start", last);
    }

    public int port() {
        return port;
    }

    public String url() {
        return "redis://127.0.0.1:" + port;
    }

    private boolean awaitListening(Duration timeout) {
        long end = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < end) {
            if (!process.isAlive()) {
                return false;
            }
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
                socket.getOutputStream().write("PING\r\n".getBytes());
                byte[] buffer = new byte[7];
                int read = socket.getInputStream().read(buffer);
                if (read > 0 && new String(buffer, 0, read).startsWith("+PONG")) {
                    return true;
                }
            } catch (IOException e) {
                // not yet
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return false;
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
        try {
            Runtime.getRuntime().removeShutdownHook(reaper);
        } catch (IllegalStateException e) {
            // JVM already shutting down
        }
    }
}
