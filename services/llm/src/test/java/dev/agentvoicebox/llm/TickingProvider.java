package dev.agentvoicebox.llm;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An OpenAI-compatible endpoint that streams one content delta every few milliseconds until the
 * client leaves, and records when it left.
 *
 * <p>It sits on a raw socket, not on the JDK HTTP server, because it must watch the connection's
 * read side: the JDK client aborts a response by shutting its socket down for writing at once and
 * closes the descriptor only at its selector's next turn (up to seconds later). A real provider sees
 * the FIN and stops generating; a server that only writes would learn of it much later.
 */
final class TickingProvider implements AutoCloseable {
    private final ServerSocket server;
    private final long everyMs;
    /** nanoTime when the client's side of the connection ended (FIN or reset), or 0. */
    final AtomicLong clientGoneAt = new AtomicLong();

    TickingProvider(long everyMs) {
        this.everyMs = everyMs;
        try {
            server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Thread.ofVirtual().start(this::acceptOne);
    }

    String baseUrl() {
        return "http://127.0.0.1:" + server.getLocalPort() + "/v1";
    }

    private void acceptOne() {
        try (Socket socket = server.accept()) {
            InputStream in = socket.getInputStream();
            skipRequest(in);
            Thread.ofVirtual().start(() -> watchForEnd(in));
            OutputStream out = socket.getOutputStream();
            out.write(("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            for (int i = 0; clientGoneAt.get() == 0; i++) {
                byte[] event =
                        ("data: {\"id\":\"chatcmpl-slow\",\"object\":\"chat.completion.chunk\",\"created\":1741569952,"
                                        + "\"model\":\"gpt-4o-mini-2024-07-18\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"tick"
                                        + i
                                        + " \"},\"logprobs\":null,\"finish_reason\":null}],\"usage\":null}\n\n")
                                .getBytes(StandardCharsets.UTF_8);
                out.write((Integer.toHexString(event.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                out.write(event);
                out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                Thread.sleep(everyMs);
            }
        } catch (IOException e) {
            clientGoneAt.compareAndSet(0, System.nanoTime());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void watchForEnd(InputStream in) {
        try {
            while (in.read() >= 0) {
                // a client sends nothing more on this request; anything else is ignored
            }
        } catch (IOException e) {
            // a reset ends the connection as surely as a FIN
        }
        clientGoneAt.compareAndSet(0, System.nanoTime());
    }

    /** Reads the request head and its Content-Length body. */
    private static void skipRequest(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        byte[] end = {'\r', '\n', '\r', '\n'};
        while (matched < end.length) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("request ended inside its head");
            }
            head.write(b);
            matched = b == end[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
        }
        long length = 0;
        for (String line : head.toString(StandardCharsets.US_ASCII).split("\r\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase("Content-Length")) {
                length = Long.parseLong(line.substring(colon + 1).trim());
            }
        }
        in.readNBytes((int) length);
    }

    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException e) {
            // already closed
        }
    }
}
