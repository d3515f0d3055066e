package dev.agentvoicebox.gateway.realtime;

import java.util.Collection;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** The sessions this gateway instance owns, by id. */
public final class SessionRegistry {
    private final ConcurrentHashMap<String, RealtimeSession> sessions = new ConcurrentHashMap<>();

    public void add(RealtimeSession session) {
        sessions.put(session.id(), session);
    }

    public void remove(RealtimeSession session) {
        sessions.remove(session.id(), session);
    }

    public Optional<RealtimeSession> find(String sessionId) {
        return Optional.ofNullable(sessions.get(sessionId));
    }

    public int size() {
        return sessions.size();
    }

    public Collection<RealtimeSession> all() {
        return sessions.values();
    }
}
