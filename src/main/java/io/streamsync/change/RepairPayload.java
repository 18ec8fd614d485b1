package io.streamsync.change;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;

/**
 * One list as the repair source read it, carried to the aggregation as a {@link ChangeType#REPAIR}
 * record: the list's items in the source table at the read (item key to the image the job would
 * index, items the job's filter leaves out or cannot read are not here), and the list's item
 * documents the item index held (document id, which is the item key, to its version).
 *
 * <p>The record is a {@link ChangeEvent} so that it takes the job's one key-by and the aggregation
 * keeps its input type (and its uid, state and savepoints): {@code type} REPAIR, {@code
 * partitionKey} the list, {@code eventId} the request id, {@code approximateCreationTimeMillis} the
 * read time <i>r</i> (epoch ms: every change created up to <i>r</i> is in the read), {@code
 * newImageJson} this payload as JSON ({@link #toJson}). Plain Java and Jackson, no Flink types.
 */
public final class RepairPayload {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    /** Item key to the item's image as plain JSON (the table at the read time). */
    public final Map<String, String> items = new TreeMap<>();

    /** Document id (item key) to its version in the item index, for the documents found. */
    public final Map<String, Long> documents = new TreeMap<>();

    /** The payload as JSON: {@code {"items":{key:image,...},"documents":{id:version,...}}}. */
    public String toJson() {
        ObjectNode root = MAPPER.createObjectNode();
        ObjectNode i = root.putObject("items");
        items.forEach(i::put);
        ObjectNode d = root.putObject("documents");
        documents.forEach(d::put);
        return root.toString();
    }

    /** Reads {@link #toJson}'s form; an image is kept as the text it was. */
    public static RepairPayload fromJson(String json) {
        RepairPayload p = new RepairPayload();
        JsonNode root;
        try {
            root = MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not a repair payload: " + e.getMessage(), e);
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = root.path("items").fields();
                it.hasNext(); ) {
            Map.Entry<String, JsonNode> f = it.next();
            p.items.put(f.getKey(), f.getValue().asText());
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = root.path("documents").fields();
                it.hasNext(); ) {
            Map.Entry<String, JsonNode> f = it.next();
            p.documents.put(f.getKey(), f.getValue().asLong());
        }
        return p;
    }

    /** The repair record of {@code listId} read at {@code readTime} for request {@code id}. */
    public ChangeEvent toRecord(String requestId, String listId, long readTime) {
        ChangeEvent e = new ChangeEvent();
        e.type = ChangeType.REPAIR;
        e.eventId = requestId;
        e.partitionKey = listId;
        e.approximateCreationTimeMillis = readTime;
        e.newImageJson = toJson();
        return e;
    }
}
