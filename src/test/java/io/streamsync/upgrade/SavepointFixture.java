package io.streamsync.upgrade;

import io.streamsync.source.RawRecord;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;

/**
 * The deterministic input of the golden savepoints: change records of 20 lists in two phases
 * (before the savepoint and after the restore), with the counts each phase must leave, computed
 * here by a plain model of the table (not by the job).
 */
public final class SavepointFixture {
    public static final int LISTS = 20;
    private static final long START_SECONDS = 1_700_000_000L;

    public final List<RawRecord> before = new ArrayList<>();
    public final List<RawRecord> after = new ArrayList<>();
    public final Map<String, Long> countsBefore;
    public final Map<String, Long> countsAfter;

    public SavepointFixture() {
        Random random = new Random(20241123L);
        Set<String> present = new LinkedHashSet<>();
        long[] seq = {1000};
        for (int i = 0; i < 400; i++) {
            before.add(step(random, present, seq, i));
        }
        countsBefore = counts(present);
        for (int list = 0; list < LISTS; list++) { // every list changes after the restore
            after.add(record("INSERT", list(list), "after-" + list, seq[0]++, 400 + list));
            present.add(list(list) + "/after-" + list);
        }
        for (int i = 0; i < 200; i++) {
            after.add(step(random, present, seq, 420 + i));
        }
        countsAfter = counts(present);
    }

    private static RawRecord step(Random random, Set<String> present, long[] seq, int i) {
        String list = list(random.nextInt(LISTS));
        String task = "t" + random.nextInt(15);
        String key = list + "/" + task;
        String event;
        if (present.contains(key)) {
            event = random.nextBoolean() ? "MODIFY" : "REMOVE";
        } else {
            event =
                    random.nextInt(10) == 0
                            ? "REMOVE"
                            : "INSERT"; // sometimes a REMOVE of an unknown item
        }
        if (event.equals("REMOVE")) {
            present.remove(key);
        } else {
            present.add(key);
        }
        return record(event, list, task, seq[0]++, i);
    }

    private static String list(int i) {
        return String.format("golden-%02d", i);
    }

    private static Map<String, Long> counts(Set<String> present) {
        Map<String, Long> out = new TreeMap<>();
        for (int i = 0; i < LISTS; i++) {
            out.put(list(i), 0L);
        }
        for (String key : present) {
            out.merge(key.substring(0, key.indexOf('/')), 1L, Long::sum);
        }
        return out;
    }

    private static RawRecord record(String event, String list, String task, long seq, int second) {
        String keys = "{\"listId\":{\"S\":\"" + list + "\"},\"taskId\":{\"S\":\"" + task + "\"}}";
        String image =
                "{\"listId\":{\"S\":\""
                        + list
                        + "\"},\"taskId\":{\"S\":\""
                        + task
                        + "\"},\"n\":{\"N\":\""
                        + seq
                        + "\"}}";
        String json =
                "{\"eventID\":\"e"
                        + seq
                        + "\",\"eventName\":\""
                        + event
                        + "\",\"eventSource\":\"aws:dynamodb\","
                        + "\"dynamodb\":{\"ApproximateCreationDateTime\":"
                        + (START_SECONDS + second)
                        + ",\"Keys\":"
                        + keys
                        + (event.equals("REMOVE")
                                ? ",\"OldImage\":" + image
                                : ",\"NewImage\":" + image)
                        + ",\"SequenceNumber\":\""
                        + seq
                        + "\",\"StreamViewType\":\"NEW_AND_OLD_IMAGES\"}}";
        return new RawRecord(json, "golden-shard", Long.toString(seq), -1);
    }
}
