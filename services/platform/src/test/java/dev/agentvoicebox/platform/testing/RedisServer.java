package dev.agentvoicebox.platform.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real {@code redis-server} child process on a free loopback port, for integration tests.
 * Nothing is persisted on its own ({@code --save '' --appendonly no}); the process dies with
 * {@link #close()} (and with the JVM, through a shutdown hook).
 *
 * <pre>{@code
 * try (RedisServer redis = RedisServer.start()) {
 *     new RedisConnections(redis.url());
 * }
 * }</pre>
 *
 * A test of an outage {@link #stop stops} it and {@link #startAgain starts it again} on the same
 * port, with its data (as a restart from its dump) or empty (as a failover to a fresh node).
 *
 * <p>The binary is {@code /usr/bin/redis-server} unless {@code AVB_REDIS_SERVER} names another; when
 * it is missing the test stops as {@link Prerequisites#missing} says.
 */
public final class RedisServer implements AutoCloseable {
    private static final String DUMP = "dump.rdb";

    private final String binary;
    private final int port;
    private final Path dir;
    private final Thread reaper;
    private volatile Process process;

    private RedisServer(String binary, int port, Path dir) {
        this.binary = binary;
        this.port = port;
        this.dir = dir;
        this.reaper = new Thread(() -> destroy(process), "redis-server-reaper");
    }

    public static RedisServer start() {
        String binary = Prerequisites.executable(
                        Path.of(System.getenv().getOrDefault("AVB_REDIS_SERVER", "/usr/bin/redis-server")),
                        "redis-server")
                .toString();
        Path dir;
        try {
            dir = Files.createTempDirectory("avb-redis");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        IOException last = null;
        for (int i = 0; i < 5; i++) {
            RedisServer server = new RedisServer(binary, freePort(), dir);
            try {
                server.process = server.launch();
                if (server.awaitListening(Duration.ofSeconds(10))) {
                    Runtime.getRuntime().addShutdownHook(server.reaper);
                    return server;
                }
                destroy(server.process);
            } catch (IOException e) {
                last = e;
            }
        }
        throw new IllegalStateException("redis-server did not start", last);
    }

    private Process launch() throws IOException {
        return new ProcessBuilder(List.of(
                        binary,
                        "--port",
                        Integer.toString(port),
                        "--bind",
                        "127.0.0.1",
                        "--dir",
                        dir.toString(),
                        "--dbfilename",
                        DUMP,
                        "--save",
                        "",
                        "--appendonly",
                        "no",
                        "--protected-mode",
                        "no"))
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
    }

    public int port() {
        return port;
    }

    public String url() {
        return "redis://127.0.0.1:" + port;
    }

    /**
     * Stops the server. With {@code keepData} it saves its dataset first ({@code SHUTDOWN SAVE}), so
     * {@link #startAgain()} loads it; without, the next start is empty and any earlier dump is gone.
     */
    public void stop(boolean keepData) {
        if (keepData) {
            String answer = command("SHUTDOWN SAVE");
            if (answer.startsWith("-")) {
                throw new IllegalStateException("redis-server did not save: " + answer.trim());
            }
        } else {
            try {
                Files.deleteIfExists(dir.resolve(DUMP));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        destroy(process);
    }

    /** Starts redis-server again on the same port, with what {@link #stop(boolean)} kept. */
    public void startAgain() {
        try {
            process = launch();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (!awaitListening(Duration.ofSeconds(10))) {
            throw new IllegalStateException("redis-server did not start again on port " + port);
        }
    }

    /** {@link #stop(boolean)} then {@link #startAgain()}. */
    public void restart(boolean keepData) {
        stop(keepData);
        startAgain();
    }

    /** One inline command; returns the first line of the answer, or an empty string if the server closed. */
    private String command(String line) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 1_000);
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write((line + "\r\n").getBytes(StandardCharsets.US_ASCII));
            byte[] buffer = new byte[256];
            int read = socket.getInputStream().read(buffer);
            return read > 0 ? new String(buffer, 0, read, StandardCharsets.US_ASCII) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private boolean awaitListening(Duration timeout) {
        long end = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < end) {
            if (!process.isAlive()) {
                return false;
            }
            try {
                if (command("PING").startsWith("+PONG")) {
                    return true;
                }
            } catch (UncheckedIOException e) {
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

    private static void destroy(Process process) {
        if (process == null) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }

    @Override
    public void close() {
        destroy(process);
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder())
                    .forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            // a leftover temp directory is harmless
        }
        try {
            Runtime.getRuntime().removeShutdownHook(reaper);
        } catch (IllegalStateException e) {
            // JVM already shutting down
        }
    }
}
