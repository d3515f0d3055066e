package dev.agentvoicebox.llm;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

/** An engine Output and Cancellation for engine tests: records what the engine sent. */
final class Recorder implements Engine.Output, Engine.Cancellation {
    record Piece(String kind, int index, String name, String text) {}

    final List<Piece> pieces = new CopyOnWriteArrayList<>();
    private final AtomicBoolean cancelled = new AtomicBoolean();
    private final List<Runnable> actions = new CopyOnWriteArrayList<>();
    private final CompletableFuture<Void> cancelledFuture = new CompletableFuture<>();
    volatile long cancelledAt;

    @Override
    public synchronized void text(String delta) {
        if (!cancelled.get()) {
            pieces.add(new Piece("text", 0, null, delta));
        }
    }

    @Override
    public synchronized void toolCall(int index, String name, String arguments) {
        if (!cancelled.get()) {
            pieces.add(new Piece("tool", index, name, arguments));
        }
    }

    @Override
    public boolean forwardedAny() {
        return !pieces.isEmpty();
    }

    String text() {
        StringBuilder text = new StringBuilder();
        pieces.stream().filter(p -> p.kind().equals("text")).forEach(p -> text.append(p.text()));
        return text.toString();
    }

    String arguments(int index) {
        StringBuilder text = new StringBuilder();
        pieces.stream()
                .filter(p -> p.kind().equals("tool") && p.index() == index)
                .forEach(p -> text.append(p.text()));
        return text.toString();
    }

    void cancel() {
        synchronized (this) {
            cancelledAt = System.nanoTime();
            cancelled.set(true);
        }
        cancelledFuture.complete(null);
        actions.forEach(Runnable::run);
    }

    @Override
    public boolean cancelled() {
        return cancelled.get();
    }

    @Override
    public void onCancel(Runnable action) {
        actions.add(action);
        if (cancelled.get()) {
            action.run();
        }
    }

    @Override
    public boolean sleep(long millis) throws InterruptedException {
        try {
            cancelledFuture.get(millis, TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (ExecutionException e) {
            return true;
        }
    }
}
