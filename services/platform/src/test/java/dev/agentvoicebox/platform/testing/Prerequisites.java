package dev.agentvoicebox.platform.testing;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/**
 * The binaries the integration tests run for real (Redis, OPA, the speech engines), all installed by
 * {@code make tools}. When one is missing, as in {@code mvn test} before {@code make tools}, the test
 * is aborted: reported as skipped, with the reason. Under {@code CI=true}, where {@code make test}
 * has run {@code make tools} first, a missing binary is a broken install and fails the test instead.
 */
public final class Prerequisites {
    private Prerequisites() {}

    /** Stops the test: aborted with {@code message}, or failed under {@code CI=true}. */
    public static <T> T missing(String message) {
        if ("true".equals(System.getenv("CI"))) {
            return fail(message);
        }
        // Surefire neither counts nor names a class whose @BeforeAll aborted ("Tests run: 0"): the
        // reason goes to the console too, under surefire's "Running <class>" line.
        System.err.println("skipped: " + message);
        return Assumptions.abort(message);
    }

    /** {@code path} when it is executable; otherwise the test stops, naming {@code what}. */
    public static Path executable(Path path, String what) {
        if (Files.isExecutable(path)) {
            return path;
        }
        return missing(what + " not installed (no " + path + "): run make tools");
    }

    /** {@code command} as found on {@code PATH}; otherwise the test stops. */
    public static Path onPath(String command) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path candidate = Path.of(dir.isEmpty() ? "." : dir).resolve(command);
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        return missing(command + " not installed (not on PATH): run make tools");
    }
}
