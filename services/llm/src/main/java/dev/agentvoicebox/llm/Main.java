package dev.agentvoicebox.llm;

import java.util.logging.Level;
import java.util.logging.Logger;

import dev.agentvoicebox.platform.Logging;
import dev.agentvoicebox.platform.Settings;

import io.helidon.config.Config;

/** Starts the llm worker: reads {@code avb:jobs:llm}, streams completions to the gateways. */
public final class Main {
    private static final Logger LOG = Logger.getLogger(Main.class.getName());

    private Main() {
    }

    public static void main(String[] args) {
        Logging.configure(Main.class);
        Config config = Config.create();
        LlmService service;
        try {
            service = LlmService.start(Settings.fromEnvironment(config), System.getenv());
        } catch (Gguf.InvalidModelException e) {
            LOG.severe("cannot start: " + e.getMessage());
            System.exit(2);
            return;
        } catch (RuntimeException e) {
            LOG.log(Level.SEVERE, "cannot start: " + e.getMessage(), e);
            // A half-loaded native engine may keep the JVM alive: exit explicitly.
            System.exit(1);
            return;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            LOG.info("stopping llm worker");
            service.close();
            if (service.needsHalt()) {
                // de.kherud:llama keeps a native thread alive after close(): do not wait for it.
                Runtime.getRuntime().halt(0);
            }
        }, "llm-shutdown"));
    }
}
