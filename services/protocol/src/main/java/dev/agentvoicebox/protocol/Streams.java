package dev.agentvoicebox.protocol;

/** Redis key and stream names shared by the services; the module README is the contract. */
public final class Streams {
    public static final String LLM_JOBS = "avb:jobs:llm";
    public static final String LLM_GROUP = "llm";
    public static final String STT_JOBS = "avb:jobs:stt";
    public static final String STT_GROUP = "stt";
    public static final String TTS_JOBS = "avb:jobs:tts";
    public static final String TTS_GROUP = "tts";
    public static final String GATEWAY_GROUP = "gateway";
    /** Pub/Sub channel carrying response ids to cancel; workers stop that work when they see one. */
    public static final String CANCEL_CHANNEL = "avb:cancel";
    /** Approximate cap for job and result streams (XADD MAXLEN ~). */
    public static final long MAX_LEN = 10_000;
    /** How long a job may sit unacknowledged before another worker claims it (XAUTOCLAIM). */
    public static final long RECLAIM_IDLE_MS = 5_000;

    private Streams() {}

    public static String gatewayStream(String gatewayInstanceId) {
        return "avb:gw:" + gatewayInstanceId;
    }

    /**
     * Marker left for a cancelled response, so a worker that picks the job up after the Pub/Sub
     * message went by still skips it.
     */
    public static String cancelledKey(String responseId) {
        return "avb:cancelled:" + responseId;
    }

    /**
     * A committed turn's audio too large to inline in an {@code stt.request}: a string holding base64
     * 16 kHz PCM16, set by the gateway with a TTL, in the session's slot.
     */
    public static String sttAudioKey(String sessionId, String itemId) {
        return sessionKey(sessionId) + ":audio:" + itemId;
    }

    /** The braces are a cluster hash tag: all keys of one session live in one slot. */
    public static String sessionKey(String sessionId) {
        return "avb:sess:{" + sessionId + "}";
    }

    public static String sessionItemsKey(String sessionId) {
        return sessionKey(sessionId) + ":items";
    }

    public static String sessionOrderKey(String sessionId) {
        return sessionKey(sessionId) + ":order";
    }

    /** Sorted set of a tenant's live session ids, scored by the time their heartbeat lapses. */
    public static String tenantSessionsKey(String tenantId) {
        return "avb:tenant:{" + tenantId + "}:sessions";
    }
}
