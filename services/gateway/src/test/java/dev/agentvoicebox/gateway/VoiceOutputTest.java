package dev.agentvoicebox.gateway;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentvoicebox.gateway.audio.AudioFormat;
import dev.agentvoicebox.gateway.audio.Pcm16;
import dev.agentvoicebox.platform.http.Json;
import dev.agentvoicebox.platform.testing.Teardown;
import dev.agentvoicebox.protocol.Envelope;
import dev.agentvoicebox.protocol.Kinds;
import dev.agentvoicebox.protocol.Streams;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** Spoken answers: sentences to tts as the model streams, audio played in order, truncation. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class VoiceOutputTest {
    private GatewayHarness harness;
    private Gateway gateway;
    private WorkerReplay llm;
    private WorkerReplay tts;

    @BeforeAll
    void start() {
        harness = new GatewayHarness();
        gateway = harness.start("gw-speak");
        llm = new WorkerReplay(harness.redis, gateway);
        tts = new WorkerReplay(harness.redis, Streams.TTS_JOBS, Streams.TTS_GROUP, gateway);
    }

    @AfterAll
    void stop() throws Exception {
        Teardown.closeAll(llm, tts, gateway, harness);
    }

    /** {@code ms} of a distinct constant level, so the order of the audio is visible after G.711. */
    private static short[] level(int value, int ms, int rate) {
        short[] samples = new short[ms * rate / 1000];
        java.util.Arrays.fill(samples, (short) value);
        return samples;
    }

    private void audio(Envelope job, int segment, short[] samples) {
        tts.reply(
                job,
                Kinds.TTS_AUDIO,
                Json.write(Json.object()
                        .put("segment", segment)
                        .put("rate", 8000)
                        .put("audio", Base64.getEncoder().encodeToString(Pcm16.toBytes(samples)))));
    }

    private void spoken(Envelope job, int segment, long ms) {
        tts.reply(
                job,
                Kinds.TTS_DONE,
                Json.write(
                        Json.object().put("segment", segment).put("rate", 8000).put("duration_ms", ms)));
    }

    private RealtimeClient speakingSession() {
        RealtimeClient client = RealtimeClient.connect(gateway.port(), harness.key);
        client.await("conversation.created");
        client.send("""
                {"type":"session.update","session":{"output_modalities":["audio"],
                 "audio":{"output":{"format":{"type":"audio/pcmu"},"voice":"coral","speed":1.25}}}}""");
        client.await("session.updated");
        client.send(RealtimeGatewayTestMessages.userText("Greet me"));
        client.await("conversation.item.done");
        client.send("{\"type\":\"response.create\"}");
        client.await("rate_limits.updated");
        return client;
    }

    @Test
    void theIdleTimeoutStartsWhenTheAnswerHasPlayedNotWhenItWasSent() {
        try (RealtimeClient client = RealtimeClient.connect(gateway.port(), harness.key)) {
            client.await("conversation.created");
            client.send("""
                    {"type":"session.update","session":{"output_modalities":["audio"],
                     "audio":{"input":{"turn_detection":{"type":"server_vad","idle_timeout_ms":5000}},
                              "output":{"format":{"type":"audio/pcmu"}}}}}""");
            client.await("session.updated");
            client.send(RealtimeGatewayTestMessages.userText("Greet me"));
            client.await("conversation.item.done");
            client.send("{\"type\":\"response.create\"}");
            Envelope answer = llm.nextJob();
            llm.text(answer, "Hello there.");
            llm.done(answer, "stop", 5, 3);
            Envelope sentence = tts.nextJob();
            audio(sentence, 0, level(1000, 3000, 8000));
            spoken(sentence, 0, 3000);
            client.until("response.done");

            // The microphone streams silence while the 3 s answer plays, sent in a moment.
            String silence = AudioFormat.PCM.encodeBase64(new short[24_000 / 50]);
            for (int chunk = 0; chunk < 9_000 / 20; chunk++) {
                client.send(
                        Json.object().put("type", "input_audio_buffer.append").put("audio", silence));
            }
            ObjectNode timeout = client.await("input_audio_buffer.timeout_triggered");
            assertEquals(3000, timeout.path("audio_start_ms").asLong(), 40, "the idle timer starts when playback ends");
            assertEquals(8000, timeout.path("audio_end_ms").asLong(), 60);
        }
    }

    @Test
    void sentencesAreSynthesisedAsTheyCompleteAndPlayedInOrder() {
        try (RealtimeClient client = speakingSession()) {
            Envelope answer = llm.nextJob();
            llm.text(answer, "Hello there. How");
            Envelope first = tts.nextJob();
            JsonNode firstJob = tts.payload(first);
            assertEquals(
                    "Hello there.",
                    firstJob.path("text").asText(),
                    "a complete sentence goes out before the reply ends");
            assertEquals("coral", firstJob.path("voice").asText());
            assertEquals(1.25, firstJob.path("speed").asDouble());
            assertEquals(8000, firstJob.path("rate").asInt(), "tts renders at the output format's rate");
            assertEquals(answer.responseId(), first.responseId());
            llm.text(answer, " are you?");
            llm.done(answer, "stop", 5, 6);
            Envelope second = tts.nextJob();
            assertEquals("How are you?", tts.payload(second).path("text").asText());
            assertEquals(1, tts.payload(second).path("segment").asInt());

            audio(second, 1, level(-4000, 100, 8000));
            spoken(second, 1, 100);
            audio(first, 0, level(4000, 200, 8000));
            spoken(first, 0, 200);

            List<ObjectNode> events = client.until("response.done");
            List<String> types =
                    events.stream().map(e -> e.path("type").asText()).toList();
            assertTrue(types.contains("response.output_audio_transcript.delta"));
            assertFalse(types.contains("response.output_text.delta"));
            ObjectNode partAdded = events.stream()
                    .filter(e ->
                            "response.content_part.added".equals(e.path("type").asText()))
                    .findFirst()
                    .orElseThrow();
            assertEquals("audio", partAdded.path("part").path("type").asText());
            List<ObjectNode> deltas = events.stream()
                    .filter(e ->
                            "response.output_audio.delta".equals(e.path("type").asText()))
                    .toList();
            assertEquals(2, deltas.size());
            short[] firstPlayed = AudioFormat.PCMU.decode(
                    Base64.getDecoder().decode(deltas.get(0).path("delta").asText()));
            short[] secondPlayed = AudioFormat.PCMU.decode(
                    Base64.getDecoder().decode(deltas.get(1).path("delta").asText()));
            assertEquals(1600, firstPlayed.length, "μ-law, one byte per sample at 8 kHz");
            assertTrue(firstPlayed[0] > 3000 && secondPlayed[0] < -3000, "sentence 0 plays before sentence 1");
            int audioDone = types.indexOf("response.output_audio.done");
            assertTrue(audioDone > types.lastIndexOf("response.output_audio.delta"));
            assertEquals(
                    "Hello there. How are you?",
                    events.get(types.indexOf("response.output_audio_transcript.done"))
                            .path("transcript")
                            .asText());
            JsonNode item = events.get(events.size() - 1)
                    .path("response")
                    .path("output")
                    .path(0);
            assertEquals(
                    "output_audio", item.path("content").path(0).path("type").asText());
            assertEquals(
                    "completed",
                    events.get(events.size() - 1)
                            .path("response")
                            .path("status")
                            .asText());

            String itemId = item.path("id").asText();
            byte[] firstBytes =
                    Base64.getDecoder().decode(deltas.get(0).path("delta").asText());
            byte[] secondBytes =
                    Base64.getDecoder().decode(deltas.get(1).path("delta").asText());
            client.send("{\"type\":\"conversation.item.retrieve\",\"item_id\":\"" + itemId + "\"}");
            byte[] kept = Base64.getDecoder()
                    .decode(client.await("conversation.item.retrieved")
                            .path("item")
                            .path("content")
                            .path(0)
                            .path("audio")
                            .asText());
            assertEquals(firstBytes.length + secondBytes.length, kept.length, "retrieve returns the audio as played");
            assertArrayEquals(firstBytes, java.util.Arrays.copyOf(kept, firstBytes.length));

            client.send("{\"type\":\"conversation.item.truncate\",\"event_id\":\"long\",\"item_id\":\"" + itemId
                    + "\",\"content_index\":0,\"audio_end_ms\":301}");
            assertEquals(
                    "audio_end_ms",
                    client.await("error").path("error").path("param").asText());
            client.send("{\"type\":\"conversation.item.truncate\",\"item_id\":\"" + itemId
                    + "\",\"content_index\":0,\"audio_end_ms\":200}");
            ObjectNode truncated = client.await("conversation.item.truncated");
            assertEquals(200, truncated.path("audio_end_ms").asInt());
            client.send("{\"type\":\"conversation.item.retrieve\",\"item_id\":\"" + itemId + "\"}");
            JsonNode heard = client.await("conversation.item.retrieved")
                    .path("item")
                    .path("content")
                    .path(0);
            assertEquals(
                    "Hello there.", heard.path("transcript").asText(), "only what was heard stays in the transcript");
            assertArrayEquals(
                    firstBytes,
                    Base64.getDecoder().decode(heard.path("audio").asText()),
                    "and only the first 200 ms of audio (μ-law: 8 bytes a millisecond)");
        }
    }

    @Test
    void aSpokenMessageThatCallsAToolEndsAfterItsLastSentenceAndBeforeTheCall() {
        try (RealtimeClient client = speakingSession()) {
            Envelope answer = llm.nextJob();
            llm.text(answer, "Let me check. One moment");
            llm.toolCall(answer, 0, "get_weather", "{\"city\":");
            llm.toolCall(answer, 0, null, "\"Paris\"}");
            llm.done(answer, "tool_calls", 5, 9);
            Envelope first = tts.nextJob();
            Envelope second = tts.nextJob();
            assertEquals("One moment", tts.payload(second).path("text").asText());
            audio(first, 0, level(4000, 100, 8000));
            spoken(first, 0, 100);
            audio(second, 1, level(-4000, 100, 8000));
            spoken(second, 1, 100);

            List<ObjectNode> events = client.until("response.done");
            assertEquals(
                    List.of(
                            "response.output_item.added",
                            "conversation.item.added",
                            "response.content_part.added",
                            "response.output_audio_transcript.delta",
                            "response.output_audio.delta",
                            "response.output_audio.delta",
                            "response.output_audio.done",
                            "response.output_audio_transcript.done",
                            "response.content_part.done",
                            "response.output_item.done",
                            "conversation.item.done",
                            "response.output_item.added",
                            "conversation.item.added",
                            "response.function_call_arguments.delta",
                            "response.function_call_arguments.done",
                            "response.output_item.done",
                            "conversation.item.done",
                            "response.done"),
                    events.stream().map(e -> e.path("type").asText()).toList());
            String messageId = events.get(0).path("item").path("id").asText();
            assertTrue(
                    events.subList(0, 11).stream()
                            .allMatch(e -> messageId.equals(e.path("item_id")
                                    .asText(e.path("item").path("id").asText()))),
                    "the message's events, then the call's");
            assertEquals(
                    "function_call", events.get(11).path("item").path("type").asText());
            assertEquals(1, events.get(11).path("output_index").asInt());
            assertEquals(
                    "{\"city\":\"Paris\"}",
                    events.get(13).path("delta").asText(),
                    "the arguments that came while the message was speaking");
            JsonNode output = events.get(17).path("response").path("output");
            assertEquals("completed", output.path(0).path("status").asText());
            assertEquals(
                    "{\"city\":\"Paris\"}", output.path(1).path("arguments").asText());
        }
    }

    @Test
    void aReclaimedSentenceDoesNotReplayAudioAlreadySent() {
        try (RealtimeClient client = speakingSession()) {
            Envelope answer = llm.nextJob();
            llm.text(answer, "Only one sentence.");
            llm.done(answer, "stop", 1, 3);
            Envelope job = tts.nextJob();
            short[] whole = new short[800];
            for (int i = 0; i < whole.length; i++) {
                whole[i] = (short) (i * 40 - 16000);
            }
            audio(job, 0, java.util.Arrays.copyOfRange(whole, 0, 300));
            client.await("response.output_audio.delta");
            Envelope retry = job.withAttempt(2);
            audio(retry, 0, java.util.Arrays.copyOfRange(whole, 0, 500));
            audio(retry, 0, java.util.Arrays.copyOfRange(whole, 500, 800));
            spoken(retry, 0, 100);
            List<ObjectNode> events = client.until("response.done");
            short[] rest = events.stream()
                    .filter(e ->
                            "response.output_audio.delta".equals(e.path("type").asText()))
                    .map(e -> AudioFormat.PCMU.decode(
                            Base64.getDecoder().decode(e.path("delta").asText())))
                    .reduce(new short[0], (a, b) -> {
                        short[] joined = java.util.Arrays.copyOf(a, a.length + b.length);
                        System.arraycopy(b, 0, joined, a.length, b.length);
                        return joined;
                    });
            assertEquals(500, rest.length, "the retry's first 300 samples were already played");
            assertArrayEquals(
                    AudioFormat.PCMU.decode(AudioFormat.PCMU.encode(java.util.Arrays.copyOfRange(whole, 300, 800))),
                    rest);
        }
    }

    @Test
    void cancellingASpokenResponseStopsItsSpeech() throws Exception {
        try (RealtimeClient client = speakingSession()) {
            Envelope answer = llm.nextJob();
            llm.text(answer, "A long answer begins. It");
            Envelope job = tts.nextJob();
            client.send("{\"type\":\"response.cancel\"}");
            ObjectNode done = client.await("response.done");
            assertEquals("cancelled", done.path("response").path("status").asText());
            assertTrue(llm.cancelled(answer.responseId()), "tts workers listen on the same cancel channel");
            audio(job, 0, level(1000, 100, 8000));
            assertTrue(client.silentFor(java.time.Duration.ofMillis(400)), "no audio after the cancel");
        }
    }
}
