package io.streamsync.deadletter;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

/**
 * A record the job could not process, with why and where. A Flink POJO; written as one JSON line.
 */
public class DeadLetter {
    public String reason;

    /** The operator that rejected the record (its uid). */
    public String stage;

    public String shardId;
    public String sequenceNumber;

    /** Processing time of the rejection (epoch ms). */
    public long time;

    /** The raw record, cut to the configured size. */
    public String record;

    public boolean truncated;

    public DeadLetter() {}

    public static DeadLetter of(
            String reason,
            String stage,
            String shardId,
            String sequenceNumber,
            long time,
            String raw,
            int maxBytes) {
        DeadLetter d = new DeadLetter();
        d.reason = reason;
        d.stage = stage;
        d.shardId = shardId;
        d.sequenceNumber = sequenceNumber;
        d.time = time;
        if (raw != null && raw.getBytes(StandardCharsets.UTF_8).length > maxBytes) {
            d.record = cut(raw, maxBytes);
            d.truncated = true;
        } else {
            d.record = raw;
        }
        return d;
    }

    /** Cuts to at most {@code maxBytes} of UTF-8 without splitting a character. */
    private static String cut(String s, int maxBytes) {
        int bytes = 0;
        int i = 0;
        while (i < s.length()) {
            int cp = s.codePointAt(i);
            int len = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
            if (bytes + len > maxBytes) {
                break;
            }
            bytes += len;
            i += Character.charCount(cp);
        }
        return s.substring(0, i);
    }

    public String toJsonLine(ObjectMapper mapper) {
        ObjectNode n = mapper.createObjectNode();
        n.put("time", Instant.ofEpochMilli(time).toString());
        n.put("stage", stage);
        n.put("reason", reason);
        n.put("shardId", shardId);
        n.put("sequenceNumber", sequenceNumber);
        n.put("truncated", truncated);
        n.put("record", record);
        return n.toString();
    }

    @Override
    public String toString() {
        return "DeadLetter{" + stage + ": " + reason + " @" + shardId + "/" + sequenceNumber + "}";
    }
}
