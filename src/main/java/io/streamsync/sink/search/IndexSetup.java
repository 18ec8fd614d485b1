package io.streamsync.sink.search;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.streamsync.config.ConfigException;
import io.streamsync.config.ConfigFiles;
import io.streamsync.config.ConfigKey;
import io.streamsync.config.JobConfig;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes sure the indices exist before the job writes, and that existing ones can take its
 * documents.
 *
 * <p>Mappings: in the aggregate index list ids are {@code keyword}, counts and versions {@code
 * long}, times {@code date} (strict: nothing else). The item index takes its settings and mappings
 * from {@code sink.search.item.mapping.file} (default: the built-in {@code
 * streamsync/item-index.json}, the same as {@code conf/item-index.json}): item fields are not
 * mapped dynamically ({@code "dynamic": false}, also when a file does not say): they stay in {@code
 * _source}, returned with every hit, but only the fields the file declares are indexed, so
 * user-chosen attribute names cannot fill the index's field limit (after which every document with
 * a new field would be refused); a file opts back in with {@code "dynamic": true}. Malformed values
 * are left unindexed; the key attributes are always {@code keyword}. Deleted documents keep their
 * version for {@code index.gc_deletes}, so a replayed older write cannot bring a deleted item back
 * within that time: a new item index gets {@value #GC_DELETES} or {@code
 * aggregate.tombstone.retention.ms} if longer (the job's own memory of deletions), and an existing
 * one (or a mapping file) with less stops the start, saying what to set.
 *
 * <p>With {@code sink.search.write.alias=true} the configured names are aliases: a missing one is
 * created as {@code NAME-000001} with the alias as its write index. An existing index (or the
 * indices behind an existing alias) whose mapping contradicts the job's (a field of another type,
 * or a missing field under strict mapping) stops the start with every conflict listed.
 */
public final class IndexSetup {
    static final String GC_DELETES = "1h";
    private static final Logger LOG = LoggerFactory.getLogger(IndexSetup.class);
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private IndexSetup() {}

    public static void ensureIndices(JobConfig c) {
        try (SearchTransport t = SearchClientSettings.from(c).newTransport()) {
            ensure(
                    t,
                    c,
                    c.aggregateIndex,
                    ConfigKey.SINK_SEARCH_AGGREGATE_INDEX,
                    aggregateIndexBody(c.keySchema.partitionKey()));
            if (c.windowsIndex != null) {
                ensure(
                        t,
                        c,
                        c.windowsIndex,
                        ConfigKey.SINK_SEARCH_WINDOWS_INDEX,
                        windowsIndexBody(c.keySchema.partitionKey()));
            }
            if (c.itemIndex != null) {
                ensure(t, c, c.itemIndex, ConfigKey.SINK_SEARCH_ITEM_INDEX, itemIndexBody(c));
                checkGcDeletes(
                        t, c.itemIndex, ConfigKey.SINK_SEARCH_ITEM_INDEX, gcDeletesNeeded(c));
            }
        } catch (IOException e) {
            throw new ConfigException(
                    "cannot reach the search cluster at "
                            + c.searchHosts
                            + " (config key '"
                            + ConfigKey.SINK_SEARCH_HOSTS.key()
                            + "'): "
                            + e.getMessage(),
                    e);
        }
    }

    private static void ensure(
            SearchTransport t, JobConfig c, String name, ConfigKey key, ObjectNode body)
            throws IOException {
        SearchResponse existing = t.call("GET", "/" + name + "/_mapping", null);
        if (existing.status == 401 || existing.status == 403) {
            throw new ConfigException(
                    "the search cluster refused the job ("
                            + existing.status
                            + ") reading index '"
                            + name
                            + "': check config keys '"
                            + ConfigKey.SINK_SEARCH_AUTH.key()
                            + "' and the user's or role's permissions: "
                            + existing);
        }
        if (existing.ok()) {
            JsonNode mappings = MAPPER.readTree(existing.body);
            checkMapping(name, key, body.path("mappings"), mappings);
            if (key == ConfigKey.SINK_SEARCH_ITEM_INDEX
                    && "false".equals(body.at("/mappings/dynamic").asText())) {
                mappings.fields()
                        .forEachRemaining(
                                index -> {
                                    String dynamic =
                                            index.getValue().at("/mappings/dynamic").asText("true");
                                    if (dynamic.equals("true")) {
                                        LOG.warn(
                                                "item index '{}' maps new fields dynamically: user-chosen attribute names can fill its field"
                                                        + " limit, after which documents with new fields are refused; set \"dynamic\": false (PUT /{}/_mapping"
                                                        + " {{\"dynamic\": false}}) or reindex (docs: search-engines.md, item mapping)",
                                                index.getKey(),
                                                index.getKey());
                                    }
                                });
            }
            return;
        }
        if (existing.status != 404) {
            throw new ConfigException(
                    "cannot read the mapping of index '"
                            + name
                            + "' (config key '"
                            + key.key()
                            + "'): "
                            + existing);
        }
        String physical = name;
        if (c.searchWriteAlias) {
            physical = name + "-000001";
            body.putObject("aliases").putObject(name).put("is_write_index", true);
        }
        SearchResponse created = t.call("PUT", "/" + physical, body.toString());
        if (created.ok()) {
            LOG.info(
                    "created index '{}'{}",
                    physical,
                    c.searchWriteAlias ? " behind the write alias '" + name + "'" : "");
        } else if (!created.body.contains(
                "resource_already_exists_exception")) { // created concurrently: fine
            throw new ConfigException(
                    "cannot create index '"
                            + physical
                            + "' (config key '"
                            + key.key()
                            + "'): "
                            + created);
        }
    }

    /**
     * How long the item index must keep deleted documents' versions: the job's tombstone retention,
     * 1 h at least.
     */
    static Duration gcDeletesNeeded(JobConfig c) {
        Duration hour = Duration.ofHours(1);
        return c.tombstoneRetention.compareTo(hour) > 0 ? c.tombstoneRetention : hour;
    }

    /**
     * Refuses an item index (or any index behind the alias) that forgets deleted documents'
     * versions too soon.
     */
    static void checkGcDeletes(SearchTransport t, String name, ConfigKey key, Duration needed)
            throws IOException {
        SearchResponse r =
                t.call(
                        "GET",
                        "/" + name + "/_settings?include_defaults=true&flat_settings=true",
                        null);
        if (!r.ok()) {
            throw new ConfigException(
                    "cannot read the settings of index '"
                            + name
                            + "' (config key '"
                            + key.key()
                            + "'): "
                            + r);
        }
        List<String> problems = new ArrayList<>();
        MAPPER.readTree(r.body)
                .fields()
                .forEachRemaining(
                        index -> {
                            JsonNode value =
                                    index.getValue().path("settings").path("index.gc_deletes");
                            if (value.isMissingNode()) {
                                value = index.getValue().path("defaults").path("index.gc_deletes");
                            }
                            String text = value.asText("60s");
                            Duration kept = parseTimeValue(text);
                            if (kept == null || kept.compareTo(needed) < 0) {
                                problems.add(
                                        "index '"
                                                + index.getKey()
                                                + "' has index.gc_deletes="
                                                + text);
                            }
                        });
        if (!problems.isEmpty()) {
            throw new ConfigException(
                    String.join("; ", problems)
                            + " (config key '"
                            + key.key()
                            + "'): deleted documents"
                            + " must keep their version at least "
                            + needed.toMillis()
                            + " ms (aggregate.tombstone.retention.ms, 1 h at"
                            + " least), or a replayed older write can bring a deleted item back; set it, a dynamic setting: PUT /"
                            + name
                            + "/_settings {\"index.gc_deletes\":\""
                            + needed.toMillis()
                            + "ms\"}");
        }
    }

    /**
     * An Elasticsearch time value ({@code 60s}, {@code 1h}, {@code 500ms}, ...); null when it is
     * not one.
     */
    static Duration parseTimeValue(String text) {
        java.util.regex.Matcher m =
                java.util.regex.Pattern.compile("(\\d+)(nanos|micros|ms|s|m|h|d)")
                        .matcher(text.trim());
        if (!m.matches()) {
            return null;
        }
        long n = Long.parseLong(m.group(1));
        switch (m.group(2)) {
            case "nanos":
                return Duration.ofNanos(n);
            case "micros":
                return Duration.ofNanos(n * 1000);
            case "ms":
                return Duration.ofMillis(n);
            case "s":
                return Duration.ofSeconds(n);
            case "m":
                return Duration.ofMinutes(n);
            case "h":
                return Duration.ofHours(n);
            default:
                return Duration.ofDays(n);
        }
    }

    /**
     * Compares the fields the job needs with the mapping of every index the name resolves to
     * (several behind an alias). Throws one ConfigException listing every conflict.
     */
    static void checkMapping(String name, ConfigKey key, JsonNode wanted, JsonNode existing) {
        List<String> conflicts = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> indices = existing.fields();
                indices.hasNext(); ) {
            Map.Entry<String, JsonNode> index = indices.next();
            JsonNode mappings = index.getValue().path("mappings");
            JsonNode have = mappings.path("properties");
            boolean strict = "strict".equals(mappings.path("dynamic").asText("true"));
            for (Iterator<Map.Entry<String, JsonNode>> fields = wanted.path("properties").fields();
                    fields.hasNext(); ) {
                Map.Entry<String, JsonNode> f = fields.next();
                String needed = f.getValue().path("type").asText("object");
                JsonNode actual = have.get(f.getKey());
                if (actual == null) {
                    if (strict) {
                        conflicts.add(
                                "index '"
                                        + index.getKey()
                                        + "' has no field '"
                                        + f.getKey()
                                        + "' and its mapping is strict (the job writes it as "
                                        + needed
                                        + ")");
                    }
                } else if (!needed.equals(actual.path("type").asText("object"))) {
                    conflicts.add(
                            "index '"
                                    + index.getKey()
                                    + "' maps '"
                                    + f.getKey()
                                    + "' as "
                                    + actual.path("type").asText("object")
                                    + "; the job needs "
                                    + needed);
                }
            }
        }
        if (!conflicts.isEmpty()) {
            throw new ConfigException(
                    "index '"
                            + name
                            + "' (config key '"
                            + key.key()
                            + "') has a mapping the job cannot"
                            + " write to:\n  - "
                            + String.join("\n  - ", conflicts)
                            + "\nReindex it into an index with the job's"
                            + " mapping (docs: search-engines.md, Index management) or set '"
                            + key.key()
                            + "' to a new name.");
        }
    }

    static ObjectNode aggregateIndexBody(String listField) {
        return strictBody(
                listField,
                new String[] {"taskCount", "version", "inserted", "modified", "removed", "expired"},
                new String[] {"windowStart", "windowEnd", "updatedAt"});
    }

    /** A strict mapping: the list field a keyword, then longs and dates. */
    private static ObjectNode strictBody(String listField, String[] longs, String[] dates) {
        ObjectNode body = MAPPER.createObjectNode();
        ObjectNode mappings = body.putObject("mappings");
        mappings.put("dynamic", "strict");
        ObjectNode p = mappings.putObject("properties");
        p.putObject(listField).put("type", "keyword");
        for (String f : longs) {
            p.putObject(f).put("type", "long");
        }
        for (String f : dates) {
            p.putObject(f).put("type", "date");
        }
        return body;
    }

    /** The windows history: list id keyword, counts long, times date (strict). */
    static ObjectNode windowsIndexBody(String listField) {
        return strictBody(
                listField,
                new String[] {"inserted", "modified", "removed", "expired"},
                new String[] {"windowStart", "windowEnd", "lastChangeAt"});
    }

    /**
     * The item index's settings and mappings: the file's (or the built-in ones), keys forced to
     * keyword.
     */
    static ObjectNode itemIndexBody(JobConfig c) {
        JsonNode template;
        try {
            if (c.itemMappingFile != null) {
                template =
                        MAPPER.readTree(
                                ConfigFiles.read(
                                        ConfigKey.SINK_SEARCH_ITEM_MAPPING_FILE,
                                        c.itemMappingFile));
            } else {
                try (InputStream in =
                        IndexSetup.class.getResourceAsStream("/streamsync/item-index.json")) {
                    template = MAPPER.readTree(in);
                }
            }
        } catch (IOException e) {
            throw new ConfigException(
                    "config key '"
                            + ConfigKey.SINK_SEARCH_ITEM_MAPPING_FILE.key()
                            + "': '"
                            + c.itemMappingFile
                            + "' is not valid JSON: "
                            + e.getMessage(),
                    e);
        }
        if (template == null || !template.isObject() || !template.path("mappings").isObject()) {
            throw new ConfigException(
                    "config key '"
                            + ConfigKey.SINK_SEARCH_ITEM_MAPPING_FILE.key()
                            + "': '"
                            + c.itemMappingFile
                            + "' must be a JSON object with a \"mappings\" object (and optionally \"settings\"), like conf/item-index.json");
        }
        ObjectNode body = (ObjectNode) template.deepCopy();
        ObjectNode settings =
                body.has("settings")
                        ? (ObjectNode) body.get("settings")
                        : body.putObject("settings");
        if (!settings.has("index.gc_deletes") && !settings.path("index").has("gc_deletes")) {
            Duration needed = gcDeletesNeeded(c);
            settings.put(
                    "index.gc_deletes",
                    needed.equals(Duration.ofHours(1)) ? GC_DELETES : needed.toMillis() + "ms");
        }
        ObjectNode mappings = (ObjectNode) body.get("mappings");
        if (!mappings.has("dynamic")) {
            mappings.put(
                    "dynamic",
                    false); // item fields stay in _source; a file opts in with "dynamic": true
        }
        ObjectNode properties =
                mappings.has("properties")
                        ? (ObjectNode) mappings.get("properties")
                        : mappings.putObject("properties");
        for (String k : new String[] {c.keySchema.partitionKey(), c.keySchema.sortKey()}) {
            if (k == null) {
                continue;
            }
            JsonNode declared = properties.get(k);
            if (declared != null && !"keyword".equals(declared.path("type").asText())) {
                throw new ConfigException(
                        "config key '"
                                + ConfigKey.SINK_SEARCH_ITEM_MAPPING_FILE.key()
                                + "': key attribute '"
                                + k
                                + "' must be mapped as keyword, the file maps it as "
                                + declared.path("type").asText("object"));
            }
            properties.putObject(k).put("type", "keyword");
        }
        return body;
    }
}
