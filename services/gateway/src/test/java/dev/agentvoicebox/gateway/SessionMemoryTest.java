package dev.agentvoicebox.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentvoicebox.gateway.audio.AudioFormat;
import dev.agentvoicebox.gateway.audio.Fixtures;
import dev.agentvoicebox.gateway.realtime.RealtimeEndpoint;
import dev.agentvoicebox.gateway.realtime.RealtimeSession;
import dev.agentvoicebox.platform.audio.Resampler;
import dev.agentvoicebox.platform.http.Json;
import dev.agentvoicebox.protocol.Envelope;
import dev.agentvoicebox.protocol.Streams;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * What one session costs the gateway's memory: a long silent stream under server_vad, a client that
 * sends large appends faster than they can be handled, and the session's id while its settings
 * change. Heap is measured in this JVM (the gateway runs in it) after a full collection.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SessionMemoryTest {
    private static final long MIB = 1024 * 1024;
    /** Item audio all sessions of the test's gateway may keep together. */
    private static final long GATEWAY_ITEM_AUDIO = MIB;

    private GatewayHarness harness;
    private Gateway gateway;
    private WorkerReplay stt;

    @BeforeAll
    void start() {
        harness = new GatewayHarness();
        GatewaySettings s = harness.stack.gateway(
                "gw-memory", Duration.ofHours(1), Duration.ofSeconds(30), Duration.ofSeconds(30), 1000);
        // The energy VAD: Silero's cost per frame would make an hour of audio take minutes on two cores,
        // and what the buffer keeps does not depend on the engine.
        gateway = harness.start(new GatewaySettings(
                s.host(),
                s.port(),
                s.tlsCert(),
                s.tlsKey(),
                s.redisUrl(),
                s.instanceId(),
                s.defaultModel(),
                s.sessionMaxDuration(),
                s.responseIdleTimeout(),
                Path.of("target", "no-vad-model.onnx"),
                s.edgeMode(),
                s.opaGrpc(),
                s.opaUrl(),
                s.tenantsUrl(),
                s.trustedCa(),
                s.accessRecheck(),
                s.itemAudioBytes(),
                s.maxSessions(),
                GATEWAY_ITEM_AUDIO,
                s.inputAudioBytes(),
                s.mailboxEvents(),
                s.mailboxBytes()));
        stt = new WorkerReplay(harness.redis, Streams.STT_JOBS, Streams.STT_GROUP, gateway);
        warmUp();
    }

    /** The first handshakes of a fresh stack may outwait the edge check's 2 s on a loaded machine. */
    private void warmUp() {
        long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            try (RealtimeClient client = RealtimeClient.connect(gateway.port(), harness.key)) {
                client.await("conversation.created");
                return;
            } catch (java.util.concurrent.CompletionException e) {
                if (System.nanoTime() > end) {
                    throw e;
                }
            }
        }
    }

    @AfterAll
    void stop() {
        stt.close();
        gateway.close();
        harness.close();
    }

    private static long heapAfterGc() {
        for (int i = 0; i < 2; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    /** Waits until the session has handled everything sent before: its answer to a bad retrieve comes last. */
    private static void sync(RealtimeClient client, String tag) {
        client.send(Json.object()
                .put("type", "conversation.item.retrieve")
                .put("event_id", tag)
                .put("item_id", "item_none"));
        while (true) {
            ObjectNode event = client.next();
            assertTrue(
                    !event.path("type").asText().startsWith("input_audio_buffer."), "silence is not speech: " + event);
            if (tag.equals(event.path("error").path("event_id").asText())) {
                return;
            }
        }
    }

    private static ObjectNode append(String base64) {
        return Json.object().put("type", "input_audio_buffer.append").put("audio", base64);
    }

    @Test
    void anHourOfSilenceUnderServerVadHoldsOnlyThePaddingAndKeepsTheClock() throws Exception {
        try (RealtimeClient client = RealtimeClient.connect(gateway.port(), harness.key)) {
            client.await("conversation.created");
            sync(client, "warm");
            long before = heapAfterGc();
            // 10 s of 24 kHz silence per append: an hour of audio time in 360 appends.
            String tenSeconds = AudioFormat.PCM.encodeBase64(new short[24_000 * 10]);
            for (int i = 1; i <= 360; i++) {
                client.send(append(tenSeconds));
                if (i % 30 == 0) {
                    sync(client, "silence-" + i);
                }
            }
            long grown = heapAfterGc() - before;
            System.out.printf("[memory] 60 min of silence under server_vad: heap +%.1f MiB%n", grown / (double) MIB);
            assertTrue(grown < 12 * MIB, "a silent hour grew the heap by " + grown / MIB + " MiB");

            short[] question =
                    Resampler.convert(Fixtures.speech("what is the weather like in paris today"), 16_000, 24_000);
            for (int at = 0; at < question.length; at += 480) {
                client.send(append(AudioFormat.PCM.encodeBase64(
                        Arrays.copyOfRange(question, at, Math.min(question.length, at + 480)))));
            }
            client.send(append(AudioFormat.PCM.encodeBase64(new short[24 * 1200])));
            long hour = 3_600_000;
            long startMs = client.await("input_audio_buffer.speech_started")
                    .path("audio_start_ms")
                    .asLong();
            assertTrue(
                    startMs >= hour - 300 && startMs < hour + 600,
                    "speech_started counts the whole hour before it: " + startMs);
            long endMs = client.await("input_audio_buffer.speech_stopped")
                    .path("audio_end_ms")
                    .asLong();
            assertTrue(endMs > startMs + question.length / 48, "speech stops after the words: " + endMs);
            String itemId =
                    client.await("input_audio_buffer.committed").path("item_id").asText();
            Envelope job = stt.nextJob();
            assertEquals(itemId, job.itemId());
            int samples =
                    Base64.getDecoder().decode(stt.payload(job).path("audio").asText()).length / 2;
            assertEquals(endMs - startMs, samples / 16, 40, "the turn's audio is the audio of its reported times");
        }
    }

    @Test
    void aClientFloodingLargeAppendsIsHeldBackAndOtherSessionsStillAnswer() throws Exception {
        int appends = 24;
        // As large as an event may be: 15 MiB of JSON, about 11 MiB of 24 kHz PCM (four minutes).
        String audio = AudioFormat.PCM.encodeBase64(new short[(int) (15 * MIB - 100) / 4 * 3 / 2]);
        String event = Json.write(append(audio));
        assertTrue(event.length() <= RealtimeEndpoint.MAX_EVENT_BYTES);
        try (RealtimeClient flood = RealtimeClient.connect(gateway.port(), harness.key);
                RealtimeClient other = RealtimeClient.connect(gateway.port(), harness.key)) {
            flood.await("conversation.created");
            other.await("conversation.created");
            long before = heapAfterGc();
            AtomicLong peak = new AtomicLong();
            AtomicInteger sent = new AtomicInteger();
            Thread sender = Thread.ofPlatform().start(() -> {
                for (int i = 1; i <= appends; i++) {
                    flood.send(event);
                    sent.incrementAndGet();
                    if (i % 4 == 0) {
                        // Not more often: each full collection pauses every session, the other one too.
                        peak.accumulateAndGet(heapAfterGc() - before, Math::max);
                    }
                }
            });
            long slowest = 0;
            long deadline = System.nanoTime() + Duration.ofSeconds(240).toNanos();
            while (sender.isAlive() && System.nanoTime() < deadline) {
                long asked = System.nanoTime();
                other.send("{\"type\":\"session.update\",\"session\":{\"instructions\":\"still here?\"}}");
                // Within RealtimeClient.WAIT, or the test fails here.
                other.await("session.updated");
                slowest = Math.max(slowest, System.nanoTime() - asked);
                Thread.sleep(500);
            }
            sender.join(Duration.ofSeconds(60));
            assertEquals(appends, sent.get(), "the flood was sent within the test's time");
            System.out.printf(
                    "[memory] flood of %d x 15 MiB appends: peak heap +%.1f MiB; other session's slowest answer %d ms%n",
                    appends, peak.get() / (double) MIB, slowest / 1_000_000);
            assertTrue(
                    peak.get() < 200 * MIB,
                    "the flood's " + appends * 15 + " MiB raised the heap by up to " + peak.get() / MIB + " MiB");
        }
    }

    @Test
    void theSessionIdStaysPutWhileUpdatesReplaceTheSettings() throws Exception {
        RealtimeClient client = RealtimeClient.connect(gateway.port(), harness.key);
        String id = client.await("session.created").path("session").path("id").asText();
        RealtimeSession session = gateway.registry().find(id).orElseThrow();
        AtomicBoolean updating = new AtomicBoolean(true);
        AtomicInteger wrong = new AtomicInteger();
        Thread reader = Thread.ofPlatform().start(() -> {
            while (updating.get()) {
                if (!id.equals(session.id())) {
                    wrong.incrementAndGet();
                }
            }
        });
        int updates = 1500;
        for (int i = 0; i < updates; i++) {
            client.send("{\"type\":\"session.update\",\"session\":{\"instructions\":\"number " + i + "\"}}");
        }
        for (int i = 0; i < updates; i++) {
            client.await("session.updated");
        }
        updating.set(false);
        reader.join();
        assertEquals(0, wrong.get(), "reads of the session's id from another thread that did not see it");

        for (int i = 0; i < 200; i++) {
            client.send("{\"type\":\"session.update\",\"session\":{\"instructions\":\"closing " + i + "\"}}");
        }
        client.close();
        long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (gateway.registry().find(id).isPresent() && System.nanoTime() < end) {
            Thread.sleep(50);
        }
        assertTrue(gateway.registry().find(id).isEmpty(), "a session closed during updates leaves the registry");
    }

    @Test
    void pastTheGatewaysAudioBudgetTheOldestItemAudioOfAnySessionIsDroppedAndRetrieveSaysSo() {
        String audio = Base64.getEncoder().encodeToString(new byte[(int) (GATEWAY_ITEM_AUDIO * 6 / 10)]);
        try (RealtimeClient first = RealtimeClient.connect(gateway.port(), harness.key);
                RealtimeClient second = RealtimeClient.connect(gateway.port(), harness.key)) {
            first.await("conversation.created");
            second.await("conversation.created");
            first.send(userAudio("item_first", audio));
            first.await("conversation.item.done");
            second.send(userAudio("item_second", audio));
            second.await("conversation.item.done");

            first.send(Json.object().put("type", "conversation.item.retrieve").put("item_id", "item_first"));
            ObjectNode dropped = (ObjectNode) first.await("conversation.item.retrieved")
                    .path("item")
                    .path("content")
                    .path(0);
            assertTrue(dropped.get("audio").isNull(), "the gateway no longer holds it: " + dropped);
            assertEquals("first words", dropped.path("transcript").asText());
            second.send(Json.object().put("type", "conversation.item.retrieve").put("item_id", "item_second"));
            assertEquals(
                    audio,
                    second.await("conversation.item.retrieved")
                            .path("item")
                            .path("content")
                            .path(0)
                            .path("audio")
                            .asText(),
                    "the newer audio, of another session, is kept");
        }
    }

    private static String userAudio(String id, String audio) {
        return "{\"type\":\"conversation.item.create\",\"item\":{\"id\":\"" + id + "\",\"type\":\"message\","
                + "\"role\":\"user\",\"content\":[{\"type\":\"input_audio\",\"audio\":\"" + audio
                + "\",\"transcript\":\"" + (id.equals("item_first") ? "first words" : "second words") + "\"}]}}";
    }

    @Test
    void aManualTurnKeepsItsWholeBufferUpToTheCapAndThenSaysItIsFull() {
        // About 11 MiB of 24 kHz PCM, four minutes: with its 16 kHz copy two do not fit in 32 MiB.
        String audio = AudioFormat.PCM.encodeBase64(new short[(int) (11 * MIB / 2)]);
        try (RealtimeClient client = RealtimeClient.connect(gateway.port(), harness.key)) {
            client.await("conversation.created");
            client.send("{\"type\":\"session.update\",\"session\":{\"audio\":{\"input\":{\"turn_detection\":null}}}}");
            client.await("session.updated");
            client.send(append(audio));
            client.send(append(audio).put("event_id", "too_much"));
            ObjectNode error = client.await("error").path("error").deepCopy();
            assertEquals("input_audio_buffer_full", error.path("code").asText());
            assertEquals("too_much", error.path("event_id").asText());
            assertTrue(error.path("message").asText().contains("Commit or clear"), error.toString());

            client.send("{\"type\":\"input_audio_buffer.commit\"}");
            client.await("input_audio_buffer.committed");
            Envelope job = stt.nextJob();
            String key = stt.payload(job).path("audio_key").asText();
            assertTrue(!key.isEmpty(), "a long turn travels beside the job");
            long bytes = harness.redis.shared().sync().strlen(key);
            assertEquals(11 * MIB / 2 * 2 / 3 * 2 * 4 / 3, bytes, 4096, "the whole first append, at 16 kHz, in base64");
        }
    }
}
