package dev.agentvoicebox.gateway.conversation;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentvoicebox.gateway.RealtimeError;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The default conversation: items in order, addressable by id. */
public final class Conversation {
    private final String id;
    private final List<ObjectNode> items = new ArrayList<>();
    private final Map<String, ObjectNode> byId = new HashMap<>();

    public Conversation(String id) {
        this.id = id;
    }

    public String id() {
        return id;
    }

    public boolean contains(String itemId) {
        return byId.containsKey(itemId);
    }

    public Optional<ObjectNode> find(String itemId) {
        return Optional.ofNullable(byId.get(itemId));
    }

    /**
     * Inserts after {@code previousItemId}: {@code null} appends, {@code "root"} puts the item first.
     * Returns the id of the item now before it, or null when it is first.
     */
    public String insert(ObjectNode item, String previousItemId) {
        String itemId = item.path("id").asText();
        if (byId.containsKey(itemId)) {
            throw RealtimeError.invalidValue("item.id", "Item with id '" + itemId + "' already exists.");
        }
        int index;
        if (previousItemId == null) {
            index = items.size();
        } else if ("root".equals(previousItemId)) {
            index = 0;
        } else {
            index = indexOf(previousItemId) + 1;
            if (index == 0) {
                throw RealtimeError.invalidValue(
                        "previous_item_id", "Previous item with id '" + previousItemId + "' not found.");
            }
        }
        items.add(index, item);
        byId.put(itemId, item);
        return index == 0 ? null : items.get(index - 1).path("id").asText();
    }

    public void delete(String itemId) {
        ObjectNode item = byId.remove(itemId);
        if (item != null) {
            items.remove(item);
        }
    }

    /** The item ids in order, for persisting. */
    public List<String> order() {
        return items.stream().map(i -> i.path("id").asText()).toList();
    }

    /** The id of the item before {@code itemId}, or null when it is first. */
    public String previousOf(String itemId) {
        int index = indexOf(itemId);
        return index > 0 ? items.get(index - 1).path("id").asText() : null;
    }

    public List<ObjectNode> items() {
        return List.copyOf(items);
    }

    public String lastItemId() {
        return items.isEmpty() ? null : items.get(items.size() - 1).path("id").asText();
    }

    public boolean hasFunctionCall(String callId) {
        return items.stream()
                .anyMatch(i -> "function_call".equals(i.path("type").asText())
                        && callId.equals(i.path("call_id").asText()));
    }

    private int indexOf(String itemId) {
        for (int i = 0; i < items.size(); i++) {
            if (itemId.equals(items.get(i).path("id").asText())) {
                return i;
            }
        }
        return -1;
    }
}
