package dev.agentvoicebox.platform;

import io.helidon.config.Config;
import java.util.logging.Level;
import java.util.logging.Logger;

/** A worker process: logging, settings from the environment, and a stop that drains jobs on SIGTERM. */
public final class WorkerMain {
    private WorkerMain() {}

    /** Starts the worker; a checked exception is a configuration the operator must fix, not a bug. */
    @FunctionalInterface
    public interface Starter {
        AutoCloseable start(Settings settings) throws Exception;
    }

    public static void run(Class<?> mainClass, String name, Starter starter) {
        Logging.configure(mainClass);
        Logger log = Logger.getLogger(mainClass.getName());
        AutoCloseable service;
        try {
            service = starter.start(Settings.fromEnvironment(Config.create()));
        } catch (RuntimeException e) {
            log.log(Level.SEVERE, "cannot start: " + e.getMessage(), e);
            // A half-started worker (a native engine, the job consumer's threads) may keep the JVM alive.
            System.exit(1);
            return;
        } catch (Exception e) {
            log.severe("cannot start: " + e.getMessage());
            System.exit(2);
            return;
        }
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            log.info("stopping " + name + " worker");
                            try {
                                service.close();
                            } catch (Exception e) {
                                log.log(Level.WARNING, "stopping failed", e);
                            }
                        },
                        name + "-shutdown"));
    }
}
