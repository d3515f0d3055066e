package dev.agentvoicebox.llm;

import dev.agentvoicebox.platform.WorkerMain;

/** Starts the llm worker: reads {@code avb:jobs:llm}, streams completions to the gateways. */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        WorkerMain.run(Main.class, "llm", settings -> {
            LlmService service = LlmService.start(settings, System.getenv());
            return () -> {
                service.close();
                if (service.needsHalt()) {
                    // de.kherud:llama keeps a native thread alive after close(): do not wait for it.
                    Runtime.getRuntime().halt(0);
                }
            };
        });
    }
}
