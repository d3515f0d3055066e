package dev.agentvoicebox.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Iterator;
import java.util.Set;

/**
 * Checks for client JSON that name the offending parameter by its full path
 * ({@code session.audio.input.format.type}), the way the Realtime API reports errors.
 */
public final class Fields {
    private Fields() {}

    public static ObjectNode object(JsonNode node, String path) {
        if (node == null || !node.isObject()) {
            throw RealtimeError.invalidType(path, "an object");
        }
        return (ObjectNode) node;
    }

    public static void onlyKnown(JsonNode node, String path, Set<String> known) {
        Iterator<String> names = node.fieldNames();
        while (names.hasNext()) {
            String name = names.next();
            if (!known.contains(name)) {
                throw RealtimeError.unknown(join(path, name));
            }
        }
    }

    /**
     * Removes the fields set to JSON null: a client's null means "not set", as at OpenAI, so the
     * field keeps its current value or default. {@code nullIsASetting} names the fields whose null
     * means something (turn detection off) and stays. Call it after {@link #onlyKnown}, so an
     * unknown field is refused even when it is null.
     */
    public static void dropNulls(ObjectNode node, Set<String> nullIsASetting) {
        node.properties().removeIf(field -> field.getValue().isNull() && !nullIsASetting.contains(field.getKey()));
    }

    public static JsonNode required(JsonNode node, String name, String path) {
        JsonNode value = node.get(name);
        if (value == null || value.isNull()) {
            throw RealtimeError.missing(join(path, name));
        }
        return value;
    }

    public static String string(JsonNode value, String path) {
        if (!value.isTextual()) {
            throw RealtimeError.invalidType(path, "a string");
        }
        return value.textValue();
    }

    public static String requiredString(JsonNode node, String name, String path) {
        return string(required(node, name, path), join(path, name));
    }

    public static String oneOf(JsonNode value, String path, Set<String> allowed) {
        String text = string(value, path);
        if (!allowed.contains(text)) {
            throw RealtimeError.invalidValue(
                    path,
                    "Invalid value: '" + text + "'. Supported values are: "
                            + String.join(
                                    ", ",
                                    allowed.stream()
                                            .sorted()
                                            .map(v -> "'" + v + "'")
                                            .toList()) + ".");
        }
        return text;
    }

    public static boolean bool(JsonNode value, String path) {
        if (!value.isBoolean()) {
            throw RealtimeError.invalidType(path, "a boolean");
        }
        return value.booleanValue();
    }

    public static double number(JsonNode value, String path, double min, double max) {
        if (!value.isNumber()) {
            throw RealtimeError.invalidType(path, "a number");
        }
        double number = value.doubleValue();
        if (number < min || number > max) {
            throw RealtimeError.invalidValue(
                    path,
                    "Invalid '" + path + "': " + value + " is out of range; expected a value between " + trim(min)
                            + " and " + trim(max) + ".");
        }
        return number;
    }

    public static long integer(JsonNode value, String path, long min, long max) {
        if (!value.isIntegralNumber()) {
            throw RealtimeError.invalidType(path, "an integer");
        }
        return (long) number(value, path, min, max);
    }

    public static String join(String path, String name) {
        return path == null || path.isEmpty() ? name : path + "." + name;
    }

    private static String trim(double value) {
        return value == Math.rint(value) ? Long.toString((long) value) : Double.toString(value);
    }
}
