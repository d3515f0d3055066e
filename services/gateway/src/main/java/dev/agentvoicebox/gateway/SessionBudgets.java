package dev.agentvoicebox.gateway;

import dev.agentvoicebox.gateway.conversation.ItemAudio;

/**
 * The memory one session may hold, and the item audio all sessions of this gateway share.
 *
 * @param itemAudio        item audio kept for conversation.item.retrieve, per session and in all
 * @param inputAudioBytes  the input audio buffer (both its copies)
 * @param mailboxEvents    client events queued or being handled before the socket's reader waits
 * @param mailboxBytes     the same, in bytes of the events' JSON
 */
public record SessionBudgets(ItemAudio.Pool itemAudio, long inputAudioBytes, int mailboxEvents, long mailboxBytes) {}
