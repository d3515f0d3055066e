package dev.agentvoicebox.tts;

import java.util.logging.Level;
import java.util.logging.Logger;

import dev.agentvoicebox.platform.Settings;

import io.helidon.config.Config;

/** Starts the tts worker: reads {@code avb:jobs:tts}, streams synthesised audio to the gateways. */
public final class Main {
    private static final Logger LOG = Logger.getLogger(Main.class.getName());

    private Main() {
    }

    private static void configureLogging() {
        if (System.getProperty("java.util.logging.config.file") != null) {
            return;
        }
        try (var in = Main.class.getResourceAsStream("/logging.properties")) {
            if (in != null) {
                java.util.logging.LogManager.getLogManager().readConfiguration(in);
            }
        } catch (java.io.IOException e) {
            LOG.warning("logging.properties unreadable: " + e.getMessage());
        }
    }

    public static void main(String[] args) {
        configureLogging();
        TtsService service;
        try {
            service = TtsService.start(Settings.fromEnvironment(Config.create()), System.getenv());
        } catch (RuntimeException e) {
            LOG.log(Level.SEVERE, "cannot start: " + e.getMessage(), e);
            System.exit(1);
            return;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            LOG.info("stopping tts worker");
            service.close();
        }, "tts-shutdown"));
    }
}
