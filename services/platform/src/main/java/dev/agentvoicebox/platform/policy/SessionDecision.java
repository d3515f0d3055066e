package dev.agentvoicebox.platform.policy;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What a tenant's session may use, as {@code avb.session} decided it.
 *
 * @param voices            the voices a session may pick; {@code "*"} alone means any
 * @param blockedTools      tool names that are neither offered to the llm nor accepted
 * @param outputModalities  the output modalities a session may ask for
 * @param limits            responses_per_minute, tokens_per_minute, concurrent_sessions,
 *                          audio_minutes_per_day: the tier's values with the tenant's overrides
 * @param revision          the bundle revisions the decision was made with
 */
public record SessionDecision(
        boolean allowed,
        String reason,
        String tenant,
        String tier,
        List<String> voices,
        Set<String> blockedTools,
        List<String> outputModalities,
        Map<String, Long> limits,
        String revision) {
    public boolean voiceAllowed(String voice) {
        return voices.contains("*") || voices.contains(voice);
    }

    public boolean toolAllowed(String name) {
        return !blockedTools.contains(name);
    }

    public boolean modalityAllowed(String modality) {
        return outputModalities.contains(modality);
    }

    public long limit(String name) {
        Long value = limits.get(name);
        if (value == null) {
            throw new IllegalStateException("the session decision has no limit " + name);
        }
        return value;
    }
}
