package dev.agentvoicebox.gateway.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

/** What the benchmarks share: settings, the loopback guard, option ranges, latency lines, pid files. */
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

    /** A bounded option: out of range is a usage error (exit status 2), as a malformed value is. */
    static int within(CommandSpec spec, String option, int value, int min, int max) {
        if (value < min || value > max) {
            throw new ParameterException(
                    spec.commandLine(), option + " must be within " + min + ".." + max + ", not " + value);
        }
        return value;
    }
}
