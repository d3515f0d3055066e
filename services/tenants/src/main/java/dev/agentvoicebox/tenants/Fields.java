package dev.agentvoicebox.tenants;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentvoicebox.platform.http.ApiError;
import dev.agentvoicebox.platform.http.Json;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/** Request field checks that answer with the OpenAI error codes clients already handle. */
final class Fields {
    static final Pattern ID = Pattern.compile("[a-z0-9][a-z0-9-]{1,62}");
    static final Pattern NAME_TOKEN = Pattern.compile("[A-Za-z0-9_.-]{1,64}");

    private Fields() {}

    static void onlyKnown(ObjectNode body, Set<String> known) {
        body.fieldNames().forEachRemaining(name -> {
            if (!known.contains(name)) {
                throw ApiError.unknown(name);
            }
        });
    }

    static String id(JsonNode value, String param) {
        String s = text(value, param, 63);
        if (!ID.matcher(s).matches()) {
            throw ApiError.invalid(
                    param,
                    "'" + param + "' must be 2-63 characters of a-z, 0-9 and '-', starting with a letter or digit.");
        }
        return s;
    }

    static String text(JsonNode value, String param, int max) {
        if (value == null || value.isNull()) {
            throw ApiError.missing(param);
        }
        if (!value.isTextual() || value.asText().isBlank()) {
            throw ApiError.invalid(param, "'" + param + "' must be a non-empty string.");
        }
        if (value.asText().length() > max) {
            throw ApiError.invalid(param, "'" + param + "' must be at most " + max + " characters.");
        }
        return value.asText();
    }

    static String oneOf(JsonNode value, String param, Set<String> allowed) {
        String s = text(value, param, 64);
        if (!allowed.contains(s)) {
            throw ApiError.invalid(param, "'" + param + "' must be one of " + new java.util.TreeSet<>(allowed) + ".");
        }
        return s;
    }

    static long integer(JsonNode value, String param, long min, long max) {
        if (value == null || value.isNull()) {
            throw ApiError.missing(param);
        }
        if (!value.isIntegralNumber() || value.asLong() < min || value.asLong() > max) {
            throw ApiError.invalid(param, "'" + param + "' must be an integer from " + min + " to " + max + ".");
        }
        return value.asLong();
    }

    /** A list of distinct names; {@code allowed} null means any well-formed name. */
    static ArrayNode names(JsonNode value, String param, Set<String> allowed) {
        if (value == null || !value.isArray()) {
            throw ApiError.invalid(param, "'" + param + "' must be an array of strings.");
        }
        List<String> seen = new ArrayList<>();
        ArrayNode out = Json.MAPPER.createArrayNode();
        for (int i = 0; i < value.size(); i++) {
            JsonNode item = value.get(i);
            String p = param + "[" + i + "]";
            if (!item.isTextual() || !NAME_TOKEN.matcher(item.asText()).matches()) {
                throw ApiError.invalid(
                        p, "'" + p + "' must be a name of 1-64 characters (A-Z, a-z, 0-9, '_', '.', '-').");
            }
            if (allowed != null && !allowed.contains(item.asText())) {
                throw ApiError.invalid(p, "'" + p + "' must be one of " + new java.util.TreeSet<>(allowed) + ".");
            }
            if (!seen.contains(item.asText())) {
                seen.add(item.asText());
                out.add(item.asText());
            }
        }
        if (out.size() > 256) {
            throw ApiError.invalid(param, "'" + param + "' may hold at most 256 names.");
        }
        return out;
    }

    static ObjectNode object(JsonNode value, String param) {
        if (!(value instanceof ObjectNode o)) {
            throw ApiError.invalid(param, "'" + param + "' must be an object.");
        }
        return o;
    }
}
