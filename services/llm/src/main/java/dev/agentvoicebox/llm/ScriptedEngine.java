package dev.agentvoicebox.llm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentvoicebox.platform.JobException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The offline demo agent, model id {@value #MODEL}: no language model, just rules, so the platform runs
 * end to end without a model file or a network. Its replies say so. Deterministic: the same request
 * gives the same output (a reclaimed attempt repeats the first one, which the gateway dedupes by
 * prefix).
 *
 * <ul>
 *   <li>last message is a tool result → text quoting the result;</li>
 *   <li>tools offered, tool_choice not {@code none}, and the last user message mentions a tool (its
 *       name, or a word of its snake_case name longer than 3 letters) — or tool_choice is
 *       {@code required} or names a function → one tool call with arguments built from the tool's
 *       JSON schema; when the message has several sentences, the ones before the last are echoed
 *       first, so the reply speaks and then calls the tool;</li>
 *   <li>otherwise → text echoing the last user message.</li>
 * </ul>
 * Text streams word by word with {@code delayMs} between deltas.
 */
final class ScriptedEngine implements Engine {
    static final String MODEL = "avb-scripted";
    static final String PREFIX = "[offline scripted agent] ";
    private static final Pattern WORD = Pattern.compile("[\\p{L}\\p{N}']+");
    private static final Pattern LAST_SENTENCE = Pattern.compile("(?<=[.!?])\\s+(?=\\S[^.!?]*[.!?]*\\s*$)");
    private static final Pattern AFTER_PREPOSITION = Pattern.compile(
            "\\b(?:in|for|about|at|to|called|named|of)\\s+((?:\\p{Lu}[\\p{L}\\p{N}'-]*)(?:\\s+\\p{Lu}[\\p{L}\\p{N}'-]*)*|[\\p{L}\\p{N}'-]+)",
            Pattern.UNICODE_CHARACTER_CLASS);

    private final ObjectMapper json;
    private final long delayMs;

    ScriptedEngine(ObjectMapper json, long delayMs) {
        this.json = json;
        this.delayMs = Math.max(0, delayMs);
    }

    @Override
    public String name() {
        return "scripted";
    }

    @Override
    public String defaultModel() {
        return MODEL;
    }

    @Override
    public Completion stream(ObjectNode request, Output output, Cancellation cancellation) throws JobException {
        JsonNode messages = Engine.messages(request);
        long inputTokens = approximateInputTokens(messages);
        JsonNode last = messages.get(messages.size() - 1);
        String role = last.path("role").asText("");
        long maxTokens = request.path("max_output_tokens").asLong(0);
        try {
            if ("tool".equals(role)) {
                return speak(
                        PREFIX + "The tool returned: " + contentText(last.path("content")),
                        output,
                        cancellation,
                        inputTokens,
                        maxTokens);
            }
            if ("user".equals(role)) {
                String userText = contentText(last.path("content"));
                JsonNode tool = chooseTool(request, userText);
                if (tool != null) {
                    return speakThenCall(tool, userText, output, cancellation, inputTokens, maxTokens);
                }
            }
            String said = lastUserText(messages);
            String text = said.isBlank()
                    ? PREFIX + "No language model is configured, so I can only echo what you say."
                    : echo(said);
            return speak(text, output, cancellation, inputTokens, maxTokens);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Completion("stop", MODEL, inputTokens, 0);
        }
    }

    private Completion speak(String text, Output output, Cancellation cancellation, long inputTokens, long maxTokens)
            throws InterruptedException {
        List<String> pieces = wordPieces(text);
        long sent = 0;
        for (String piece : pieces) {
            if (maxTokens > 0 && sent >= maxTokens) {
                return new Completion("length", MODEL, inputTokens, sent);
            }
            if (sent > 0 && cancellation.sleep(delayMs)) {
                break;
            }
            if (cancellation.cancelled()) {
                break;
            }
            output.text(piece);
            sent++;
        }
        // Usage is approximate: one "token" per word, not the BPE tokens a real model would count.
        return new Completion("stop", MODEL, inputTokens, sent);
    }

    private static String echo(String said) {
        return PREFIX + "No language model is configured, so I echo you. You said: " + said;
    }

    /** Echoes the sentences before the last one, if there are any, then calls the tool. */
    private Completion speakThenCall(
            JsonNode tool, String userText, Output output, Cancellation cancellation, long inputTokens, long maxTokens)
            throws InterruptedException {
        long spoken = 0;
        Matcher last = LAST_SENTENCE.matcher(userText);
        if (last.find()) {
            Completion said =
                    speak(echo(userText.substring(0, last.start())), output, cancellation, inputTokens, maxTokens);
            if (!"stop".equals(said.finishReason()) || cancellation.sleep(delayMs)) {
                return said;
            }
            spoken = said.outputTokens();
        }
        String name = tool.path("function").path("name").asText();
        String arguments = arguments(tool.path("function").path("parameters"), userText);
        output.toolCall(0, name, "");
        List<String> pieces = splitInto(arguments, 3);
        for (String piece : pieces) {
            if (cancellation.sleep(delayMs) || cancellation.cancelled()) {
                break;
            }
            output.toolCall(0, null, piece);
        }
        return new Completion(
                "tool_calls",
                MODEL,
                inputTokens,
                spoken + WORD.matcher(arguments).results().count() + 1);
    }

    /** The tool to call, or null to answer with text. */
    private static JsonNode chooseTool(ObjectNode request, String userText) {
        JsonNode tools = request.path("tools");
        if (!tools.isArray() || tools.isEmpty()) {
            return null;
        }
        JsonNode choice = request.path("tool_choice");
        if (choice.isTextual() && choice.asText().trim().startsWith("{")) {
            try {
                choice = new ObjectMapper().readTree(choice.asText());
            } catch (java.io.IOException e) {
                choice = null;
            }
        }
        String mode = choice == null || choice.isMissingNode() || choice.isNull()
                ? "auto"
                : choice.isTextual() ? choice.asText() : "function";
        if ("none".equals(mode)) {
            return null;
        }
        if ("function".equals(mode)) {
            String wanted = choice.path("function")
                    .path("name")
                    .asText(choice.path("name").asText(""));
            for (JsonNode tool : tools) {
                if (wanted.equals(tool.path("function").path("name").asText())) {
                    return tool;
                }
            }
            return null;
        }
        String lower = userText.toLowerCase(Locale.ROOT);
        Set<String> words = new LinkedHashSet<>();
        WORD.matcher(lower).results().forEach(m -> words.add(m.group()));
        for (JsonNode tool : tools) {
            String name = tool.path("function").path("name").asText("");
            if (name.isEmpty()) {
                continue;
            }
            if (lower.contains(name.toLowerCase(Locale.ROOT))) {
                return tool;
            }
            for (String part : name.toLowerCase(Locale.ROOT).split("[_\\-]+")) {
                if (part.length() > 3 && words.contains(part)) {
                    return tool;
                }
            }
        }
        return "required".equals(mode) ? tools.get(0) : null;
    }

    /** Arguments from the schema: the required properties, or all declared ones if none are required. */
    private String arguments(JsonNode schema, String userText) {
        ObjectNode args = json.createObjectNode();
        JsonNode properties = schema.path("properties");
        List<String> names = new ArrayList<>();
        if (schema.path("required").isArray() && !schema.path("required").isEmpty()) {
            schema.path("required").forEach(n -> names.add(n.asText()));
        } else {
            properties.fieldNames().forEachRemaining(names::add);
        }
        for (String property : names) {
            JsonNode spec = properties.path(property);
            String type = spec.path("type").isArray()
                    ? spec.path("type").path(0).asText("string")
                    : spec.path("type").asText("string");
            switch (type) {
                case "number", "integer" -> args.put(property, 0);
                case "boolean" -> args.put(property, false);
                case "array" -> args.putArray(property);
                case "object" -> args.putObject(property);
                default -> {
                    if (spec.path("enum").isArray() && !spec.path("enum").isEmpty()) {
                        args.put(property, spec.path("enum").get(0).asText());
                    } else {
                        args.put(property, valueFrom(userText));
                    }
                }
            }
        }
        return args.toString();
    }

    /** The words after "in", "for", "about"… ("weather in Paris" → "Paris"), else the message itself. */
    static String valueFrom(String userText) {
        Matcher matcher = AFTER_PREPOSITION.matcher(userText);
        String found = null;
        while (matcher.find()) {
            found = matcher.group(1);
        }
        if (found != null) {
            return found.replaceAll("[\\p{Punct}&&[^'-]]+$", "");
        }
        return userText.trim();
    }

    private static List<String> wordPieces(String text) {
        List<String> pieces = new ArrayList<>();
        Matcher matcher = Pattern.compile("\\s*\\S+").matcher(text);
        while (matcher.find()) {
            pieces.add(matcher.group());
        }
        return pieces;
    }

    private static List<String> splitInto(String text, int parts) {
        List<String> pieces = new ArrayList<>();
        int size = Math.max(1, (text.length() + parts - 1) / parts);
        for (int i = 0; i < text.length(); i += size) {
            pieces.add(text.substring(i, Math.min(text.length(), i + size)));
        }
        return pieces;
    }

    private static String lastUserText(JsonNode messages) {
        for (int i = messages.size() - 1; i >= 0; i--) {
            if ("user".equals(messages.get(i).path("role").asText())) {
                return contentText(messages.get(i).path("content"));
            }
        }
        return "";
    }

    /** A message's text: a plain string, or the text parts of a content array. */
    static String contentText(JsonNode content) {
        if (content.isTextual()) {
            return content.asText();
        }
        if (content.isArray()) {
            StringBuilder text = new StringBuilder();
            for (JsonNode part : content) {
                String piece = part.path("text").asText(part.path("transcript").asText(""));
                if (!piece.isEmpty()) {
                    if (!text.isEmpty()) {
                        text.append(' ');
                    }
                    text.append(piece);
                }
            }
            return text.toString();
        }
        return content.isMissingNode() || content.isNull() ? "" : content.toString();
    }

    /** Approximate: words across all messages, not model tokens. */
    private static long approximateInputTokens(JsonNode messages) {
        long count = 0;
        for (JsonNode message : messages) {
            count +=
                    WORD.matcher(contentText(message.path("content"))).results().count();
        }
        return count;
    }
}
