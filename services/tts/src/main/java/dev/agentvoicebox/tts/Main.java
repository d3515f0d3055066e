package dev.agentvoicebox.tts;

import dev.agentvoicebox.platform.WorkerMain;

/** Starts the tts worker: reads {@code avb:jobs:tts}, streams synthesised audio to the gateways. */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        WorkerMain.run(Main.class, "tts", settings -> TtsService.start(settings, System.getenv()));
    }
}
