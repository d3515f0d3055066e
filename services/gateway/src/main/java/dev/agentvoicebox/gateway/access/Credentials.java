package dev.agentvoicebox.gateway.access;

import io.helidon.http.HeaderNames;
import io.helidon.http.Headers;
import io.helidon.webserver.websocket.WsUpgrader;
import java.util.ArrayList;
import java.util.List;

/** Where a client may put its key: the three places the OpenAI Realtime clients use. */
public final class Credentials {
    static final String KEY_SUBPROTOCOL_PREFIX = "openai-insecure-api-key.";

    private Credentials() {}

    public static List<String> subprotocols(Headers headers) {
        List<String> protocols = new ArrayList<>();
        headers.all(WsUpgrader.PROTOCOL, List::of).forEach(value -> {
            for (String protocol : value.split(",")) {
                if (!protocol.isBlank()) {
                    protocols.add(protocol.trim());
                }
            }
        });
        return protocols;
    }

    /** The bearer token, else the browser subprotocol key, else {@code ?api-key=}; null when none. */
    static String token(Headers headers, String queryApiKey) {
        String authorization = headers.first(HeaderNames.AUTHORIZATION).orElse("");
        if (authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return authorization.substring(7).trim();
        }
        for (String protocol : subprotocols(headers)) {
            if (protocol.startsWith(KEY_SUBPROTOCOL_PREFIX)) {
                return protocol.substring(KEY_SUBPROTOCOL_PREFIX.length());
            }
        }
        return queryApiKey == null || queryApiKey.isBlank() ? null : queryApiKey;
    }
}
