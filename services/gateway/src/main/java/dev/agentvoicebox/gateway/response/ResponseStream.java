package dev.agentvoicebox.gateway.response;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentvoicebox.gateway.Events;
import dev.agentvoicebox.gateway.Ids;
import dev.agentvoicebox.gateway.audio.AudioFormat;
import dev.agentvoicebox.gateway.audio.SentenceSplitter;
import dev.agentvoicebox.gateway.conversation.Conversation;
import dev.agentvoicebox.gateway.realtime.OutputSettings;
import dev.agentvoicebox.platform.http.Json;
import dev.agentvoicebox.protocol.Envelope;
import dev.agentvoicebox.protocol.Kinds;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One response from {@code response.created} to {@code response.done}: turns worker results into
 * output items and their events, in the order the Realtime API defines. Lives on its session's
 * thread.
 */
public final class ResponseStream {
    /** What a response needs from its session. */
    public interface Host {
        void send(ObjectNode event);

        Conversation conversation();

        /** Persists an item of the default conversation after it changed. */
        void saveItem(ObjectNode item);

        /** Sends one sentence of an audio response to the tts workers. */
        void synthesize(ResponseStream response, String itemId, int segment, String text);

        /** How long the audio of one sentence of an assistant item lasts, for truncation. */
        void spoken(String itemId, String text, long durationMs);

        /** Audio of an assistant item as it went to the client, in {@code format}. */
        void played(String itemId, AudioFormat format, byte[] audio);
    }

    private final String id;
    private final String conversationId;
    private final ObjectNode metadata;
    private final JsonNode outputModalities;
    private final JsonNode maxOutputTokens;
    private final OutputSettings audioOutput;
    private final Span span;
    private final Host host;
    /**
     * In output order. An output is announced to the client only once every message before it has
     * closed, so a spoken message's events never trail the items after it.
     */
    private final List<Output> outputs = new ArrayList<>();
    /** The worker's tool call indexes: a reclaimed job's retry is matched to the calls by these. */
    private final Map<Integer, Output> calls = new HashMap<>();
    /** Per output slot, what the client has been sent, across attempts. */
    private final Map<String, StringBuilder> emitted = new HashMap<>();
    /** Per output slot, how many characters the current attempt has produced so far. */
    private final Map<String, Integer> attemptLength = new HashMap<>();
    /** Audio responses speak the text: sentence by sentence through tts, played in order. */
    private final boolean audio;

    private final AudioFormat outputFormat;
    private final SentenceSplitter sentences = new SentenceSplitter();
    private final List<Segment> segments = new ArrayList<>();
    private int playing;
    /** The model finished; the response ends with these once the last sentence is spoken. */
    private String pendingStatus;

    private String pendingReason;
    /** The message the model's text goes to; null until text comes and after a tool call starts. */
    private Output message;

    private int attempt = 1;
    private long inputTokens;
    private long outputTokens;
    private boolean firstDelta;
    private boolean firstAudio;
    private boolean finished;

    public ResponseStream(
            String id,
            String conversationId,
            ObjectNode metadata,
            JsonNode outputModalities,
            JsonNode maxOutputTokens,
            OutputSettings audioOutput,
            Span span,
            Host host) {
        this.id = id;
        this.conversationId = conversationId;
        this.metadata = metadata;
        this.outputModalities = outputModalities.deepCopy();
        this.maxOutputTokens = maxOutputTokens.deepCopy();
        this.audioOutput = audioOutput;
        this.span = span;
        this.host = host;
        this.audio = "audio".equals(this.outputModalities.path(0).asText());
        this.outputFormat = audioOutput.format();
    }

    public String id() {
        return id;
    }

    boolean inConversation() {
        return conversationId != null;
    }

    boolean finished() {
        return finished;
    }

    public Span span() {
        return span;
    }

    public long tokensUsed() {
        return inputTokens + outputTokens;
    }

    public AudioFormat outputFormat() {
        return outputFormat;
    }

    public OutputSettings audioOutput() {
        return audioOutput;
    }

    public JsonNode maxOutputTokens() {
        return maxOutputTokens;
    }

    public void sendCreated() {
        ObjectNode created = Events.event("response.created");
        created.set("response", toJson("in_progress", null));
        host.send(created);
    }

    /** Applies one worker result; returns true when it finished the response. */
    public boolean accept(Envelope envelope) {
        if (finished) {
            return true;
        }
        JsonNode payload;
        try {
            payload = Json.parse(envelope.payload());
        } catch (JsonProcessingException e) {
            finish("failed", null, Events.failure("invalid_worker_result", "A worker sent an unreadable result."));
            return true;
        }
        if (envelope.kind().startsWith("tts.")) {
            speech(envelope, payload);
            return finished;
        }
        if (envelope.attempt() < attempt) {
            return false; // a superseded attempt of a reclaimed job
        }
        if (envelope.attempt() > attempt) {
            attempt = envelope.attempt();
            attemptLength.clear();
            span.addEvent("avb.llm.job_reclaimed");
        }
        try {
            switch (envelope.kind()) {
                case Kinds.LLM_TEXT_DELTA -> textDelta(payload.path("delta").asText(""));
                case Kinds.LLM_TOOL_CALL_DELTA -> toolCallDelta(payload);
                case Kinds.LLM_DONE -> done(payload);
                case Kinds.LLM_ERROR ->
                    finish(
                            "failed",
                            null,
                            Events.failure(
                                    payload.path("code").asText("upstream_error"),
                                    payload.path("message").asText("The response could not be generated.")));
                default -> {
                    // kinds of later envelope versions: nothing to do with them here
                }
            }
        } catch (Diverged e) {
            finish(
                    "failed",
                    null,
                    Events.failure(
                            "response_interrupted",
                            "The worker generating this response was lost and its retry produced different output."));
        }
        return finished;
    }

    private void textDelta(String delta) {
        String fresh = fresh("text", delta);
        if (fresh.isEmpty()) {
            return;
        }
        Output out = message != null ? message : openMessage();
        out.text.append(fresh);
        if (out.announced) {
            sendWords(out, fresh);
        }
        if (audio) {
            sentences.add(fresh).forEach(sentence -> speak(out, sentence));
        }
        if (!firstDelta) {
            firstDelta = true;
            span.addEvent("avb.first_delta");
        }
    }

    private void sendWords(Output out, String words) {
        ObjectNode event =
                partEvent(audio ? "response.output_audio_transcript.delta" : "response.output_text.delta", out);
        event.put("content_index", 0);
        event.put("delta", words);
        host.send(event);
    }

    private Output openMessage() {
        ObjectNode item = Json.object();
        item.put("id", Ids.item());
        item.put("type", "message");
        item.put("object", "realtime.item");
        item.put("status", "in_progress");
        item.put("role", "assistant");
        item.putArray("content");
        message = addOutput(item);
        return message;
    }

    /**
     * No more text goes to the current message. A spoken one stays open until its last sentence has
     * played; the outputs after it wait for that.
     */
    private void endMessage() {
        if (message == null) {
            return;
        }
        Output ended = message;
        message = null;
        ended.ending = true;
        if (audio) {
            String rest = sentences.flush();
            if (rest != null) {
                speak(ended, rest);
            }
        }
        closeWhenSpoken(ended);
    }

    private void closeWhenSpoken(Output out) {
        if (out.ending && !out.done && playing >= out.segmentsEnd) {
            close(out, "completed");
            announceReady();
        }
    }

    private void toolCallDelta(JsonNode payload) {
        int index = payload.path("index").asInt(0);
        String name = payload.path("name").asText("");
        Output call = calls.get(index);
        if (call != null
                && !name.isEmpty()
                && !name.equals(call.item.path("name").asText())) {
            throw new Diverged(); // a retry calling another function at this index
        }
        String fresh = fresh("tool:" + index, payload.path("arguments").asText(""));
        if (call == null) {
            endMessage();
            ObjectNode item = Json.object();
            item.put("id", Ids.item());
            item.put("type", "function_call");
            item.put("object", "realtime.item");
            item.put("status", "in_progress");
            item.put("name", name);
            // Named by the gateway, once per call: unique, because clients key calls by it, and kept
            // for the retry of a reclaimed job, which is matched by index whatever the worker says.
            item.put("call_id", Ids.call());
            item.put("arguments", "");
            call = addOutput(item);
            calls.put(index, call);
        }
        if (!fresh.isEmpty()) {
            call.text.append(fresh);
            if (call.announced) {
                sendArguments(call, fresh);
            }
        }
    }

    private void sendArguments(Output call, String arguments) {
        ObjectNode event = partEvent("response.function_call_arguments.delta", call);
        event.put("call_id", call.item.path("call_id").asText());
        event.put("delta", arguments);
        host.send(event);
    }

    private Output addOutput(ObjectNode item) {
        Output output = new Output(outputs.size(), item);
        outputs.add(output);
        announceReady();
        return output;
    }

    /** Announces the outputs in order, up to the first message that is still open. */
    private void announceReady() {
        for (Output output : outputs) {
            if (!output.announced) {
                announce(output);
            }
            if (output.isMessage() && !output.done) {
                return;
            }
        }
    }

    /** The output's added events, then in one delta what it has accumulated while it waited. */
    private void announce(Output output) {
        output.announced = true;
        ObjectNode item = output.item;
        ObjectNode added = Events.event("response.output_item.added");
        added.put("response_id", id);
        added.put("output_index", output.index);
        added.set("item", item.deepCopy());
        host.send(added);
        if (inConversation()) {
            String before = host.conversation().insert(item, null);
            ObjectNode conversationAdded = Events.event("conversation.item.added");
            conversationAdded.put("previous_item_id", before);
            conversationAdded.set("item", item.deepCopy());
            host.send(conversationAdded);
        }
        String text = output.text.toString();
        if (output.isMessage()) {
            ObjectNode partAdded = partEvent("response.content_part.added", output);
            partAdded.put("content_index", 0);
            if (audio) {
                partAdded.putObject("part").put("type", "audio").put("transcript", "");
            } else {
                partAdded.putObject("part").put("type", "text").put("text", "");
            }
            host.send(partAdded);
            if (!text.isEmpty()) {
                sendWords(output, text);
            }
        } else if (!text.isEmpty()) {
            sendArguments(output, text);
        }
    }

    private void done(JsonNode payload) {
        JsonNode usage = payload.path("usage");
        inputTokens = usage.path("input_tokens").asLong(0);
        outputTokens = usage.path("output_tokens").asLong(0);
        String status = "completed";
        String reason = null;
        switch (payload.path("finish_reason").asText("stop")) {
            case "length" -> {
                status = "incomplete";
                reason = "max_output_tokens";
            }
            case "content_filter" -> {
                status = "incomplete";
                reason = "content_filter";
            }
            default -> {}
        }
        endMessage();
        if (audio) {
            pendingStatus = status;
            pendingReason = reason;
            finishWhenSpoken();
        } else {
            finish(status, reason, null);
        }
    }

    /** One sentence to synthesise; its audio is played after every sentence before it. */
    private void speak(Output out, String text) {
        Segment segment = new Segment(segments.size(), out, text);
        segments.add(segment);
        out.segmentsEnd = segments.size();
        host.synthesize(this, out.item.path("id").asText(), segment.index, text);
    }

    private void speech(Envelope envelope, JsonNode payload) {
        int index = payload.path("segment").asInt(-1);
        if (index < 0 || index >= segments.size()) {
            return;
        }
        Segment segment = segments.get(index);
        if (segment.done || envelope.attempt() < segment.attempt) {
            return;
        }
        if (envelope.attempt() > segment.attempt) {
            // A reclaimed sentence starts over; the samples already played are skipped.
            segment.attempt = envelope.attempt();
            segment.attemptSamples = 0;
        }
        switch (envelope.kind()) {
            case Kinds.TTS_AUDIO -> {
                short[] samples = dev.agentvoicebox.gateway.audio.Pcm16.fromBytes(java.util.Base64.getDecoder()
                        .decode(payload.path("audio").asText("")));
                int skip = (int) Math.max(0, Math.min(samples.length, segment.received - segment.attemptSamples));
                segment.attemptSamples += samples.length;
                if (skip < samples.length) {
                    short[] fresh = skip == 0 ? samples : java.util.Arrays.copyOfRange(samples, skip, samples.length);
                    segment.received += fresh.length;
                    segment.pending.add(fresh);
                }
            }
            case Kinds.TTS_DONE -> {
                segment.done = true;
                segment.durationMs = payload.path("duration_ms").asLong(segment.received * 1000L / outputFormat.rate());
            }
            case Kinds.TTS_ERROR -> {
                finish(
                        "failed",
                        null,
                        Events.failure(
                                payload.path("code").asText("upstream_error"),
                                "Speech synthesis failed: "
                                        + payload.path("message").asText("")));
                return;
            }
            default -> {
                return;
            }
        }
        play();
        finishWhenSpoken();
    }

    /** Sends the audio that is next in order: the current sentence's, then the following finished ones. */
    private void play() {
        while (playing < segments.size()) {
            Segment segment = segments.get(playing);
            Output out = segment.output;
            for (short[] chunk : segment.pending) {
                byte[] encoded = outputFormat.encode(chunk);
                ObjectNode delta = partEvent("response.output_audio.delta", out);
                delta.put("content_index", 0);
                delta.put("delta", java.util.Base64.getEncoder().encodeToString(encoded));
                host.send(delta);
                host.played(out.item.path("id").asText(), outputFormat, encoded);
                if (!firstAudio) {
                    firstAudio = true;
                    span.addEvent("avb.first_audio");
                }
            }
            segment.pending.clear();
            if (!segment.done) {
                return;
            }
            host.spoken(out.item.path("id").asText(), segment.text, segment.durationMs);
            playing++;
            closeWhenSpoken(out);
        }
    }

    private void finishWhenSpoken() {
        if (pendingStatus != null && playing == segments.size()) {
            finish(pendingStatus, pendingReason, null);
        }
    }

    /** Closes every open item and sends {@code response.done}; a second call does nothing. */
    public void finish(String status, String reason, ObjectNode error) {
        if (finished) {
            return;
        }
        finished = true;
        String itemStatus = "completed".equals(status) ? "completed" : "incomplete";
        for (Output output : outputs) {
            if (!output.announced) {
                announce(output);
            }
            close(output, itemStatus);
        }
        ObjectNode statusDetails = null;
        if (!"completed".equals(status)) {
            statusDetails = Json.object().put("type", status);
            if (reason != null) {
                statusDetails.put("reason", reason);
            }
            if (error != null) {
                statusDetails.set("error", error);
            }
        }
        ObjectNode doneEvent = Events.event("response.done");
        doneEvent.set("response", toJson(status, statusDetails));
        host.send(doneEvent);
        span.setAttribute("avb.response.status", status);
        span.setAttribute("gen_ai.usage.input_tokens", inputTokens);
        span.setAttribute("gen_ai.usage.output_tokens", outputTokens);
        if ("failed".equals(status)) {
            span.setStatus(
                    StatusCode.ERROR,
                    error == null ? status : error.path("code").asText());
        }
        span.end();
    }

    private void close(Output output, String itemStatus) {
        if (output.done) {
            return;
        }
        output.done = true;
        ObjectNode item = output.item;
        String text = output.text.toString();
        if (output.isMessage()) {
            // A spoken message carries its words as a transcript beside the audio; a text one as text.
            String field = audio ? "transcript" : "text";
            if (audio) {
                ObjectNode audioDone = partEvent("response.output_audio.done", output);
                audioDone.put("content_index", 0);
                host.send(audioDone);
            }
            ObjectNode wordsDone =
                    partEvent(audio ? "response.output_audio_transcript.done" : "response.output_text.done", output);
            wordsDone.put("content_index", 0);
            wordsDone.put(field, text);
            host.send(wordsDone);
            ObjectNode partDone = partEvent("response.content_part.done", output);
            partDone.put("content_index", 0);
            partDone.putObject("part").put("type", audio ? "audio" : "text").put(field, text);
            host.send(partDone);
            ((ArrayNode) item.get("content"))
                    .removeAll()
                    .addObject()
                    .put("type", audio ? "output_audio" : "output_text")
                    .put(field, text);
        } else {
            item.put("arguments", text);
            ObjectNode argsDone = partEvent("response.function_call_arguments.done", output);
            argsDone.put("call_id", item.path("call_id").asText());
            argsDone.put("name", item.path("name").asText());
            argsDone.put("arguments", text);
            host.send(argsDone);
        }
        item.put("status", itemStatus);
        ObjectNode itemDone = Events.event("response.output_item.done");
        itemDone.put("response_id", id);
        itemDone.put("output_index", output.index);
        itemDone.set("item", item.deepCopy());
        host.send(itemDone);
        String itemId = item.path("id").asText();
        if (inConversation() && host.conversation().contains(itemId)) {
            host.saveItem(item);
            ObjectNode conversationDone = Events.event("conversation.item.done");
            conversationDone.put("previous_item_id", host.conversation().previousOf(itemId));
            conversationDone.set("item", item.deepCopy());
            host.send(conversationDone);
        }
    }

    /**
     * The part of {@code delta} the client has not seen. A reclaimed job restarts from the
     * beginning; its output is matched against what was already sent and only the rest goes out.
     */
    private String fresh(String slot, String delta) {
        StringBuilder sent = emitted.computeIfAbsent(slot, s -> new StringBuilder());
        int start = attemptLength.getOrDefault(slot, 0);
        attemptLength.put(slot, start + delta.length());
        // Only the part of this delta that overlaps what was sent is compared: linear in the output.
        int replayed = Math.max(0, Math.min(delta.length(), sent.length() - start));
        if (!delta.regionMatches(0, sent.substring(start, start + replayed), 0, replayed)) {
            throw new Diverged();
        }
        String fresh = delta.substring(replayed);
        sent.append(fresh);
        return fresh;
    }

    private ObjectNode partEvent(String type, Output output) {
        ObjectNode event = Events.event(type);
        event.put("response_id", id);
        event.put("item_id", output.item.path("id").asText());
        event.put("output_index", output.index);
        return event;
    }

    private ObjectNode toJson(String status, ObjectNode statusDetails) {
        ObjectNode json = Json.object();
        json.put("id", id);
        json.put("object", "realtime.response");
        json.put("status", status);
        json.set("status_details", statusDetails);
        ArrayNode output = json.putArray("output");
        outputs.forEach(o -> output.add(o.item.deepCopy()));
        json.put("conversation_id", conversationId);
        json.set("output_modalities", outputModalities);
        json.set("max_output_tokens", maxOutputTokens);
        ObjectNode audio = json.putObject("audio").putObject("output");
        audio.set("format", audioOutput.formatJson().deepCopy());
        audio.put("voice", audioOutput.voice());
        if ("in_progress".equals(status)) {
            json.putNull("usage");
        } else {
            ObjectNode usage = json.putObject("usage");
            usage.put("total_tokens", inputTokens + outputTokens);
            usage.put("input_tokens", inputTokens);
            usage.put("output_tokens", outputTokens);
            usage.putObject("input_token_details")
                    .put("text_tokens", inputTokens)
                    .put("audio_tokens", 0)
                    .put("cached_tokens", 0);
            usage.putObject("output_token_details")
                    .put("text_tokens", outputTokens)
                    .put("audio_tokens", 0);
        }
        json.set("metadata", metadata);
        return json;
    }

    /** A retry of a reclaimed job produced output that disagrees with what the client already has. */
    private static final class Diverged extends RuntimeException {
        Diverged() {
            super(null, null, false, false);
        }
    }

    private static final class Segment {
        final int index;
        /** The message this sentence belongs to. */
        final Output output;

        final String text;
        final List<short[]> pending = new ArrayList<>();
        /** Samples of this sentence taken so far, across attempts. */
        long received;
        /** Samples the current attempt has sent. */
        long attemptSamples;

        int attempt = 1;
        boolean done;
        long durationMs;

        Segment(int index, Output output, String text) {
            this.index = index;
            this.output = output;
            this.text = text;
        }
    }

    private static final class Output {
        final int index;
        final ObjectNode item;
        final StringBuilder text = new StringBuilder();
        /** Its output_item.added has been sent. */
        boolean announced;
        /** A message that takes no more text: it closes once its sentences have played. */
        boolean ending;
        /** One past the index of a message's last sentence. */
        int segmentsEnd;

        boolean done;

        Output(int index, ObjectNode item) {
            this.index = index;
            this.item = item;
        }

        boolean isMessage() {
            return "message".equals(item.path("type").asText());
        }
    }
}
