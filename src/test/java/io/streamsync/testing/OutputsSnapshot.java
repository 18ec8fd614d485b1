package io.streamsync.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * What a job had published at one moment (the aggregate table's rows, and every document of some
 * indices with its external version), written to JSON and loaded back into fresh services. A golden
 * savepoint comes with the outputs of the job that took it, so that a test restoring it starts from
 * the same outside world.
 */
public final class OutputsSnapshot {
    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    private OutputsSnapshot() {}

    /** The rows of {@code table} and the documents of {@code indices}. */
    public static ObjectNode take(
            DynamoDbClient ddb, String table, SearchHttp search, String... indices)
            throws Exception {
        ObjectNode out = F.objectNode();
        ArrayNode rows = out.putObject("tables").putArray(table);
        for (Map<String, AttributeValue> row : TodoTables.scan(ddb, table)) {
            rows.add(item(row));
        }
        ObjectNode docs = out.putObject("indices");
        for (String index : indices) {
            search.post("/" + index + "/_refresh", "{}");
            JsonNode page =
                    search.post(
                            "/" + index + "/_search",
                            "{\"size\":10000,\"version\":true,\"sort\":[\"_doc\"]}");
            ArrayNode list = docs.putArray(index);
            for (JsonNode hit : page.path("hits").path("hits")) {
                if (io.streamsync.sink.commit.CaughtUp.isStatus(hit.get("_id").asText())) {
                    continue; // the job's status document is no list
                }
                list.addObject()
                        .put("id", hit.get("_id").asText())
                        .put("version", hit.get("_version").asLong())
                        .set("source", hit.get("_source"));
            }
        }
        return out;
    }

    /** Writes the rows and documents of {@code snapshot} (tables and indices must exist). */
    public static void load(DynamoDbClient ddb, SearchHttp search, JsonNode snapshot)
            throws Exception {
        for (Map.Entry<String, JsonNode> table : iterable(snapshot.get("tables"))) {
            for (JsonNode row : table.getValue()) {
                ddb.putItem(b -> b.tableName(table.getKey()).item(attributes(row)));
            }
        }
        for (Map.Entry<String, JsonNode> index : iterable(snapshot.get("indices"))) {
            for (JsonNode doc : index.getValue()) {
                String id =
                        URLEncoder.encode(doc.get("id").asText(), StandardCharsets.UTF_8)
                                .replace("+", "%20");
                search.put(
                        "/"
                                + index.getKey()
                                + "/_doc/"
                                + id
                                + "?version_type=external&version="
                                + doc.get("version").asLong(),
                        doc.get("source").toString());
            }
            search.post("/" + index.getKey() + "/_refresh", "{}");
        }
    }

    /** Number of rows and documents per table and index. */
    public static Map<String, Integer> sizes(JsonNode snapshot) {
        Map<String, Integer> out = new LinkedHashMap<>();
        for (String part : List.of("tables", "indices")) {
            iterable(snapshot.get(part)).forEach(e -> out.put(e.getKey(), e.getValue().size()));
        }
        return out;
    }

    private static List<Map.Entry<String, JsonNode>> iterable(JsonNode object) {
        List<Map.Entry<String, JsonNode>> out = new ArrayList<>();
        object.fields().forEachRemaining(out::add);
        return out;
    }

    private static ObjectNode item(Map<String, AttributeValue> row) {
        ObjectNode o = F.objectNode();
        new java.util.TreeMap<>(row).forEach((k, v) -> o.set(k, value(v)));
        return o;
    }

    /** One attribute value in DynamoDB JSON. */
    private static JsonNode value(AttributeValue v) {
        ObjectNode o = F.objectNode();
        switch (v.type()) {
            case S:
                return o.put("S", v.s());
            case N:
                return o.put("N", v.n());
            case BOOL:
                return o.put("BOOL", v.bool());
            case NUL:
                return o.put("NULL", true);
            case B:
                return o.put("B", Base64.getEncoder().encodeToString(v.b().asByteArray()));
            case SS:
                v.ss().forEach(o.putArray("SS")::add);
                return o;
            case NS:
                v.ns().forEach(o.putArray("NS")::add);
                return o;
            case L:
                {
                    ArrayNode a = o.putArray("L");
                    v.l().forEach(e -> a.add(value(e)));
                    return o;
                }
            case M:
                o.set("M", item(v.m()));
                return o;
            default:
                throw new IllegalArgumentException("attribute type not handled: " + v.type());
        }
    }

    private static Map<String, AttributeValue> attributes(JsonNode item) {
        Map<String, AttributeValue> out = new LinkedHashMap<>();
        item.fields().forEachRemaining(e -> out.put(e.getKey(), attribute(e.getValue())));
        return out;
    }

    private static AttributeValue attribute(JsonNode v) {
        String type = v.fieldNames().next();
        JsonNode x = v.get(type);
        switch (type) {
            case "S":
                return AttributeValue.fromS(x.asText());
            case "N":
                return AttributeValue.fromN(x.asText());
            case "BOOL":
                return AttributeValue.fromBool(x.asBoolean());
            case "NULL":
                return AttributeValue.fromNul(true);
            case "B":
                return AttributeValue.fromB(
                        SdkBytes.fromByteArray(Base64.getDecoder().decode(x.asText())));
            case "SS":
                return AttributeValue.fromSs(texts(x));
            case "NS":
                return AttributeValue.fromNs(texts(x));
            case "L":
                {
                    List<AttributeValue> l = new ArrayList<>();
                    x.forEach(e -> l.add(attribute(e)));
                    return AttributeValue.fromL(l);
                }
            case "M":
                return AttributeValue.fromM(attributes(x));
            default:
                throw new IllegalArgumentException("attribute type not handled: " + type);
        }
    }

    private static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(e -> out.add(e.asText()));
        return out;
    }
}
