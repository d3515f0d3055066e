package dev.agentvoicebox.gateway.audio;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The timing of a session's {@code audio.input.turn_detection}, resolved to what the
 * {@link TurnDetector} runs. {@code server_vad} fields are taken as given (OpenAI defaults when
 * absent: threshold 0.5, prefix_padding_ms 300, silence_duration_ms 500).
 *
 * <p>{@code semantic_vad} decides end of turn with a model in OpenAI's service; there is none here,
 * so its {@code eagerness} picks the silence that ends a turn, and the VAD threshold stays 0.5:
 *
 * <table>
 *   <tr><th>eagerness</th><th>silence_duration_ms</th><th>OpenAI's cap on waiting</th></tr>
 *   <tr><td>low</td><td>1500</td><td>8 s</td></tr>
 *   <tr><td>medium, auto</td><td>800</td><td>4 s</td></tr>
 *   <tr><td>high</td><td>400</td><td>2 s</td></tr>
 * </table>
 *
 * Waiting OpenAI's caps after every pause would make every turn feel slow without a model that
 * knows a sentence is finished, so the mapping keeps the order (low waits longest) at conversational
 * lengths.
 *
 * @param idleTimeoutMs 0 when off
 */
public record TurnDetection(
        String type,
        double threshold,
        long prefixPaddingMs,
        long silenceDurationMs,
        long idleTimeoutMs,
        String eagerness) {

    public static final TurnDetection SERVER_VAD_DEFAULTS = new TurnDetection("server_vad", 0.5, 300, 500, 0, null);

    /**
     * The resolved timing of a turn_detection object the gateway already validated; null for
     * {@code null} (manual turns).
     */
    public static TurnDetection fromJson(JsonNode node) {
        if (node == null || node.isNull() || node.isMissingNode()) {
            return null;
        }
        String type = node.path("type").asText("server_vad");
        if (type.equals("semantic_vad")) {
            String eagerness = node.path("eagerness").asText("auto");
            long silence = switch (eagerness) {
                case "low" -> 1500;
                case "high" -> 400;
                default -> 800;
            };
            return new TurnDetection(type, 0.5, 300, silence, 0, eagerness);
        }
        return new TurnDetection(
                type,
                number(node, "threshold", 0.5),
                (long) number(node, "prefix_padding_ms", 300),
                (long) number(node, "silence_duration_ms", 500),
                (long) number(node, "idle_timeout_ms", 0),
                null);
    }

    private static double number(JsonNode node, String field, double fallback) {
        JsonNode value = node.get(field);
        return value != null && value.isNumber() ? value.asDouble() : fallback;
    }
}
