package dev.agentvoicebox.stt;

import dev.agentvoicebox.platform.WorkerMain;

/** Starts the stt worker: reads {@code avb:jobs:stt}, answers transcripts to the gateways. */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        WorkerMain.run(Main.class, "stt", settings -> SttService.start(settings, System.getenv()));
    }
}
