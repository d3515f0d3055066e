package dev.agentvoicebox.gateway;

/** Client events the gateway tests send. */
final class RealtimeGatewayTestMessages {
    private RealtimeGatewayTestMessages() {}

    static String userText(String text) {
        return """
                {"type":"conversation.item.create","item":{"type":"message","role":"user",
                 "content":[{"type":"input_text","text":"%s"}]}}""".formatted(text);
    }
}
