package dev.agentvoicebox.tenants;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentvoicebox.platform.http.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;

/**
 * The tier catalogue: the same {@code policies/data/avb/tiers/data.json} the policy bundle carries,
 * so a tenant can only be put on a tier the policy knows.
 */
record Tiers(ObjectNode catalogue) {
    static final Set<String> LIMITS =
            Set.of("responses_per_minute", "tokens_per_minute", "concurrent_sessions", "audio_minutes_per_day");

    static Tiers load(Path file) {
        try {
            if (Json.parse(Files.readString(file)) instanceof ObjectNode tiers && !tiers.isEmpty()) {
                tiers.properties().forEach(e -> {
                    Set<String> names = new TreeSet<>();
                    e.getValue().path("limits").fieldNames().forEachRemaining(names::add);
                    if (!names.equals(new TreeSet<>(LIMITS))) {
                        throw new IllegalStateException(
                                "tier " + e.getKey() + " in " + file + " must define exactly " + LIMITS);
                    }
                });
                return new Tiers(tiers);
            }
            throw new IllegalStateException(file + " holds no tiers");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the tier catalogue " + file + " (AVB_TIERS_FILE)", e);
        }
    }

    Set<String> names() {
        Set<String> names = new TreeSet<>();
        catalogue.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
