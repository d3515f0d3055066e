package dev.agentvoicebox.platform;

import java.io.IOException;
import java.io.InputStream;
import java.util.logging.LogManager;
import java.util.logging.Logger;

/** java.util.logging from the service's logging.properties, unless -Djava.util.logging.config.file says otherwise. */
public final class Logging {
    private Logging() {}

    public static void configure(Class<?> mainClass) {
        if (System.getProperty("java.util.logging.config.file") != null) {
            return;
        }
        try (InputStream in = mainClass.getResourceAsStream("/logging.properties")) {
            if (in != null) {
                LogManager.getLogManager().readConfiguration(in);
            }
        } catch (IOException e) {
            Logger.getLogger(Logging.class.getName()).warning("logging.properties unreadable: " + e.getMessage());
        }
    }
}
