package dev.agentvoicebox.protocol;

/** The {@link Envelope#kind()} values; the module README documents each payload. */
public final class Kinds {
    /** gateway → llm: generate one response. */
    public static final String LLM_REQUEST = "llm.request";
    /** llm → gateway: a piece of assistant text. */
    public static final String LLM_TEXT_DELTA = "llm.text.delta";
    /** llm → gateway: a piece of a tool call (the function name comes with the first piece; the call id is the gateway's). */
    public static final String LLM_TOOL_CALL_DELTA = "llm.tool_call.delta";
    /** llm → gateway: the response finished; carries finish_reason and usage. */
    public static final String LLM_DONE = "llm.done";
    /** llm → gateway: the response failed; carries code and message. */
    public static final String LLM_ERROR = "llm.error";
    /** any gateway → the owning gateway: cancel a session (another instance asked for it). */
    public static final String SESSION_CANCEL = "session.cancel";

    /** gateway → stt: transcribe one committed user turn. */
    public static final String STT_REQUEST = "stt.request";
    /** stt → gateway: a piece of the transcript. */
    public static final String STT_DELTA = "stt.delta";
    /** stt → gateway: the whole transcript and the audio seconds billed. */
    public static final String STT_DONE = "stt.done";
    /** stt → gateway: transcription failed; carries code and message. */
    public static final String STT_ERROR = "stt.error";
    /** gateway → tts: synthesise one sentence (segment) of a response. */
    public static final String TTS_REQUEST = "tts.request";
    /** tts → gateway: a chunk of PCM16 audio of one segment. */
    public static final String TTS_AUDIO = "tts.audio";
    /** tts → gateway: a segment is fully synthesised. */
    public static final String TTS_DONE = "tts.done";
    /** tts → gateway: a segment failed; carries code and message. */
    public static final String TTS_ERROR = "tts.error";

    private Kinds() {}
}
