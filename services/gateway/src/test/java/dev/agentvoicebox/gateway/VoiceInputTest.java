package dev.agentvoicebox.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentvoicebox.gateway.audio.AudioFormat;
import dev.agentvoicebox.gateway.audio.Fixtures;
import dev.agentvoicebox.platform.audio.Resampler;
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

/**
 * Spoken turns through the gateway: real speech (flite) streamed in 20 ms chunks, real turn
 * detection, the stt and llm sides of the streams played by the test.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class VoiceInputTest {
    private static final int CHUNK_SAMPLES = 24_000 / 50;

    private GatewayHarness harness;
    private Gateway gateway;
    private WorkerReplay llm;
    private WorkerReplay stt;
    private short[] question;

    @BeforeAll
    void start() throws Exception {
        harness = new GatewayHarness();
        gateway = harness.start("gw-voice");
        llm = new WorkerReplay(harness.redis, gateway);
        stt = new WorkerReplay(harness.redis, Streams.STT_JOBS, Streams.STT_GROUP, gateway);
        question = Resampler.convert(Fixtures.speech("what is the weather like in paris today"), 16_000, 24_000);
    }

    @AfterAll
    void stop() throws Exception {
        Teardown.closeAll(llm, stt, gateway, harness);
    }

    private static void stream(RealtimeClient client, short[] pcm24k) {
        for (int at = 0; at < pcm24k.length; at += CHUNK_SAMPLES) {
            short[] chunk = java.util.Arrays.copyOfRange(pcm24k, at, Math.min(pcm24k.length, at + CHUNK_SAMPLES));
            client.send(Json.object()
                    .put("type", "input_audio_buffer.append")
                    .put("audio", AudioFormat.PCM.encodeBase64(chunk)));
        }
    }

    private static short[] silence24k(int ms) {
        return new short[ms * 24];
    }

    @Test
    void aSpokenTurnIsDetectedCommittedTranscribedAndAnswered() {
        try (RealtimeClient client = RealtimeClient.connect(gateway.port(), harness.key)) {
            client.await("conversation.created");
            client.send("""
                    {"type":"session.update","session":{"output_modalities":["text"],
                     "audio":{"input":{"transcription":{"model":"whisper-1",
                     "language":"en"},"turn_detection":{"type":"server_vad","silence_duration_ms":500}}}}}""");
            client.await("session.updated");
            stream(client, silence24k(300));
            stream(client, question);
            stream(client, silence24k(1200));

            ObjectNode started = client.await("input_audio_buffer.speech_started");
            String itemId = started.path("item_id").asText();
            long startMs = started.path("audio_start_ms").asLong();
            assertTrue(startMs >= 0 && startMs < 600, "speech starts near 300 ms: " + startMs);
            ObjectNode stopped = client.await("input_audio_buffer.speech_stopped");
            assertEquals(itemId, stopped.path("item_id").asText());
            long endMs = stopped.path("audio_end_ms").asLong();
            long spokenMs = question.length / 24;
            assertTrue(
                    endMs > startMs + spokenMs / 2 && endMs < 300 + spokenMs + 700,
                    "speech stops after the words: " + endMs + " (spoken " + spokenMs + " ms)");
            ObjectNode committed = client.await("input_audio_buffer.committed");
            assertEquals(itemId, committed.path("item_id").asText());
            ObjectNode added = client.await("conversation.item.added");
            assertEquals(
                    "input_audio",
                    added.path("item").path("content").path(0).path("type").asText());
            assertFalse(added.path("item").path("content").path(0).has("audio"), "the audio is not sent back");

            Envelope job = stt.nextJob();
            assertEquals(Kinds.STT_REQUEST, job.kind());
            assertEquals(itemId, job.itemId());
            JsonNode payload = stt.payload(job);
            assertEquals("en", payload.path("language").asText());
            int samples = Base64.getDecoder().decode(payload.path("audio").asText()).length / 2;
            assertEquals(
                    endMs - committed.path("audio_start_ms").asLong(endMs - samples / 16),
                    samples / 16,
                    40,
                    "the stt job carries the turn's audio at 16 kHz");

            stt.reply(job, Kinds.STT_DELTA, "{\"delta\":\"what is the weather\"}");
            stt.reply(
                    job,
                    Kinds.STT_DONE,
                    "{\"transcript\":\"what is the weather in paris\",\"usage\":{\"type\":\"duration\",\"seconds\":2.1}}");
            assertEquals(
                    "what is the weather",
                    client.await("conversation.item.input_audio_transcription.delta")
                            .path("delta")
                            .asText());
            ObjectNode completed = client.await("conversation.item.input_audio_transcription.completed");
            assertEquals(
                    "what is the weather in paris", completed.path("transcript").asText());
            assertEquals(2.1, completed.path("usage").path("seconds").asDouble());
            ObjectNode itemDone = client.await("conversation.item.done");
            assertEquals(
                    "what is the weather in paris",
                    itemDone.path("item")
                            .path("content")
                            .path(0)
                            .path("transcript")
                            .asText());

            client.await("response.created");
            Envelope answer = llm.nextJob();
            JsonNode messages = llm.payload(answer).path("messages");
            assertEquals(
                    "what is the weather in paris",
                    messages.path(messages.size() - 1).path("content").asText(),
                    "the model reads the transcript as the user's turn");
            llm.text(answer, "Sunny.");
            llm.done(answer, "stop", 10, 2);
            assertEquals(
                    "completed",
                    client.await("response.done")
                            .path("response")
                            .path("status")
                            .asText());

            client.send(Json.object().put("type", "conversation.item.retrieve").put("item_id", itemId));
            JsonNode part = client.await("conversation.item.retrieved")
                    .path("item")
                    .path("content")
                    .path(0);
            assertEquals("what is the weather in paris", part.path("transcript").asText());
            int retrievedSamples = Base64.getDecoder().decode(part.path("audio").asText()).length / 2;
            assertEquals(
                    samples * 3 / 2, retrievedSamples, 48, "retrieve returns the turn's audio as it came, at 24 kHz");
        }
    }

    @Test
    void newSpeechDuringAResponseCancelsIt() {
        try (RealtimeClient client = RealtimeClient.connect(gateway.port(), harness.key)) {
            client.await("conversation.created");
            client.send(RealtimeGatewayTestMessages.userText("Tell me a story"));
            client.await("conversation.item.done");
            client.send("{\"type\":\"response.create\",\"response\":{\"output_modalities\":[\"text\"]}}");
            client.await("rate_limits.updated");
            Envelope job = llm.nextJob();
            llm.text(job, "Once upon a time");
            client.await("response.output_text.delta");

            stream(client, question);
            client.await("input_audio_buffer.speech_started");
            List<ObjectNode> untilDone = client.until("response.done");
            ObjectNode done = untilDone.get(untilDone.size() - 1);
            assertEquals("cancelled", done.path("response").path("status").asText());
            assertEquals(
                    "turn_detected",
                    done.path("response").path("status_details").path("reason").asText());
            assertTrue(llm.cancelled(job.responseId()), "the llm work is told to stop");
        }
    }

    @Test
    void manualTurnsCommitOnRequestAndRefuseTooLittleAudio() {
        try (RealtimeClient client = RealtimeClient.connect(gateway.port(), harness.key)) {
            client.await("conversation.created");
            client.send("{\"type\":\"session.update\",\"session\":{\"audio\":{\"input\":{\"turn_detection\":null,"
                    + "\"format\":{\"type\":\"audio/pcmu\"}}}}}");
            client.await("session.updated");
            short[] at8k = Resampler.convert(question, 24_000, 8_000);
            client.send(Json.object()
                    .put("type", "input_audio_buffer.append")
                    .put("audio", AudioFormat.PCMU.encodeBase64(java.util.Arrays.copyOf(at8k, 400))));
            client.send("{\"type\":\"input_audio_buffer.commit\",\"event_id\":\"short\"}");
            ObjectNode tooShort = client.await("error");
            assertEquals(
                    "input_audio_buffer_commit_empty",
                    tooShort.path("error").path("code").asText());
            assertTrue(tooShort.path("error").path("message").asText().contains("50.00ms"));

            client.send(Json.object()
                    .put("type", "input_audio_buffer.append")
                    .put("audio", AudioFormat.PCMU.encodeBase64(at8k)));
            client.send("{\"type\":\"input_audio_buffer.commit\"}");
            String itemId =
                    client.await("input_audio_buffer.committed").path("item_id").asText();
            Envelope job = stt.nextJob();
            assertEquals(itemId, job.itemId());
            int samples =
                    Base64.getDecoder().decode(stt.payload(job).path("audio").asText()).length / 2;
            assertEquals((400 + at8k.length) * 2, samples, 64, "8 kHz μ-law reaches the stt worker as 16 kHz PCM");

            stt.reply(job, Kinds.STT_ERROR, "{\"code\":\"upstream_error\",\"message\":\"engine crashed\"}");
            ObjectNode error = client.await("error");
            assertEquals(
                    "upstream_error",
                    error.path("error").path("code").asText(),
                    "without transcription configured, a failed transcription is reported as an error");

            client.send("{\"type\":\"input_audio_buffer.append\",\"event_id\":\"odd\",\"audio\":\"@@not-base64@@\"}");
            ObjectNode bad = client.await("error");
            assertEquals("odd", bad.path("error").path("event_id").asText());
            assertEquals("audio", bad.path("error").path("param").asText());
        }
    }
}
