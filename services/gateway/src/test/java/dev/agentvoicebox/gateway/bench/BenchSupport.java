package dev.agentvoicebox.gateway.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** What the benchmarks share: settings, the loopback guard, command-line options, latency lines, pid files. */
final class BenchSupport {
    static final ObjectMapper JSON = new ObjectMapper();

    private BenchSupport() {}

    static String env(String name, String fallback) {
        String value = System.getenv(name);
        return value == null || value.isBlank() ? fallback : value;
    }

    /** The benchmarks put load on what they reach, so only ever a stack on this machine. */
    static void requireLoopback(String who, String host) throws IOException {
        for (InetAddress address : InetAddress.getAllByName(host)) {
            if (!address.isLoopbackAddress()) {
                throw new IllegalArgumentException(
                        who + ": " + host + " is not a loopback address; the benchmark only drives the local stack");
            }
        }
    }

    /** One latency line: p50, p99 and max in milliseconds of nanosecond samples. */
    static void print(String what, Collection<Long> samples) {
        List<Long> sorted = new ArrayList<>(samples);
        Collections.sort(sorted);
        if (sorted.isEmpty()) {
            System.out.printf(Locale.ROOT, "%-44s no samples%n", what);
            return;
        }
        System.out.printf(
                Locale.ROOT,
                "%-44s p50 %8.2f ms   p99 %8.2f ms   max %8.2f ms   (n=%d)%n",
                what,
                percentile(sorted, 50),
                percentile(sorted, 99),
                sorted.getLast() / 1e6,
                sorted.size());
    }

    /** Nearest rank, so a reported value is one that was measured. */
    private static double percentile(List<Long> sorted, int p) {
        int rank = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(rank, sorted.size() - 1))) / 1e6;
    }

    /** The pid in a stack pid file, or -1: a missing service only costs its measures. */
    static long readPid(Path pidFile) {
        try {
            return Long.parseLong(Files.readString(pidFile).trim());
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
    }

    /**
     * {@code --name value} or {@code --name=value} options; a wrong one prints the usage and exits 2,
     * {@code -h} prints it and exits 0.
     */
    static final class Arguments {
        private final String who;
        private final String usage;
        private final Map<String, String> values = new LinkedHashMap<>();

        Arguments(String who, String usage, String[] args) {
            this.who = who;
            this.usage = usage;
            for (int i = 0; i < args.length; i++) {
                String arg = args[i];
                if (arg.equals("-h") || arg.equals("--help")) {
                    usage(null);
                }
                if (!arg.startsWith("--")) {
                    usage("unexpected argument '" + arg + "'");
                }
                int eq = arg.indexOf('=');
                if (eq > 0) {
                    values.put(arg.substring(2, eq), arg.substring(eq + 1));
                } else if (i + 1 < args.length) {
                    values.put(arg.substring(2), args[++i]);
                } else {
                    usage("no value for " + arg);
                }
            }
        }

        int take(String name, int fallback, int min, int max) {
            String raw = values.remove(name);
            if (raw == null) {
                return fallback;
            }
            try {
                int value = Integer.parseInt(raw.trim());
                if (value < min || value > max) {
                    usage("--" + name + " must be within " + min + ".." + max);
                }
                return value;
            } catch (NumberFormatException e) {
                usage("--" + name + " is not a number: " + raw);
                return fallback;
            }
        }

        String take(String name, String fallback) {
            String raw = values.remove(name);
            return raw == null || raw.isBlank() ? fallback : raw;
        }

        /** Called once every option is taken: what is left was misspelt. */
        void requireAllTaken() {
            if (!values.isEmpty()) {
                usage("unknown option(s) " + values.keySet());
            }
        }

        private void usage(String problem) {
            if (problem != null) {
                System.err.println(who + ": " + problem);
            }
            System.err.println("usage: " + usage);
            System.exit(problem == null ? 0 : 2);
        }
    }
}
