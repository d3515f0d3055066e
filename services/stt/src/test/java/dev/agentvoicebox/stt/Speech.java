package dev.agentvoicebox.stt;

import dev.agentvoicebox.platform.Cancellation;

/** What the engine tests pass for a job nobody cancels. */
final class Speech {
    private Speech() {}

    static final Cancellation NEVER = new Cancellation() {
        @Override
        public boolean cancelled() {
            return false;
        }

        @Override
        public void onCancel(Runnable action) {}
    };
}
