package dev.agentvoicebox.platform;

import io.helidon.config.Config;
import java.util.Map;
import java.util.Optional;

/**
 * Reads a setting from its documented {@code AVB_*} environment variable first, then from
 * {@code application.yaml}. Helidon's own env mapping would want {@code APP_*} names; the product
 * documents one set of names across services, so the lookup is explicit.
 */
public final class Settings {
    private final Config config;
    private final Map<String, String> environment;

    public Settings(Config config, Map<String, String> environment) {
        this.config = config;
        this.environment = environment;
    }

    public static Settings fromEnvironment(Config config) {
        return new Settings(config, System.getenv());
    }

    public Config config() {
        return config;
    }

    public Optional<String> find(String envName, String configKey) {
        String fromEnv = environment.get(envName);
        if (fromEnv != null && !fromEnv.isBlank()) {
            return Optional.of(fromEnv.trim());
        }
        return config.get(configKey).asString().asOptional().filter(s -> !s.isBlank());
    }

    public String get(String envName, String configKey, String defaultValue) {
        return find(envName, configKey).orElse(defaultValue);
    }

    public int getInt(String envName, String configKey, int defaultValue) {
        return find(envName, configKey)
                .map(v -> parse(envName, v, Integer::parseInt))
                .orElse(defaultValue);
    }

    public long getLong(String envName, String configKey, long defaultValue) {
        return find(envName, configKey)
                .map(v -> parse(envName, v, Long::parseLong))
                .orElse(defaultValue);
    }

    private static <T> T parse(String name, String value, java.util.function.Function<String, T> parser) {
        try {
            return parser.apply(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be a number, got '" + value + "'", e);
        }
    }
}
