package io.streamsync.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Deterministic, realistic DynamoDB Streams records for benchmarks: MODIFY records with both images
 * of an item of 20-40 attributes (strings, integers, decimals, booleans, nulls, string and number
 * sets, nested maps and lists of maps), 0.5-4 KB each.
 */
public final class BenchRecords {
    private BenchRecords() {}

    public static List<String> generate(int count, long seed) {
        Random r = new Random(seed);
        List<String> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            out.add(record(r, "list-" + r.nextInt(1000), "task-" + i, 1_000_000L + i));
        }
        return out;
    }

    public static String record(Random r, String list, String task, long seq) {
        int attributes = 20 + r.nextInt(21);
        String keys = "{\"listId\":{\"S\":\"" + list + "\"},\"taskId\":{\"S\":\"" + task + "\"}}";
        String image = image(r, list, task, attributes);
        String old = image(r, list, task, attributes);
        return "{\"eventID\":\""
                + Long.toHexString(seq * 2654435761L)
                + "\",\"eventName\":\"MODIFY\",\"eventVersion\":\"1.1\","
                + "\"eventSource\":\"aws:dynamodb\",\"awsRegion\":\"us-east-1\",\"dynamodb\":{\"ApproximateCreationDateTime\":"
                + (1_700_000_000L + seq / 100)
                + ",\"Keys\":"
                + keys
                + ",\"NewImage\":"
                + image
                + ",\"OldImage\":"
                + old
                + ",\"SequenceNumber\":\""
                + (100000000000000000L + seq)
                + "\",\"SizeBytes\":"
                + (image.length() * 2)
                + ",\"StreamViewType\":\"NEW_AND_OLD_IMAGES\"},"
                + "\"eventSourceARN\":\"arn:aws:dynamodb:us-east-1:123456789012:table/todoListTask/stream/2024-01-01T00:00:00.000\"}";
    }

    private static String image(Random r, String list, String task, int attributes) {
        StringBuilder sb = new StringBuilder(2048);
        sb.append("{\"listId\":{\"S\":\"")
                .append(list)
                .append("\"},\"taskId\":{\"S\":\"")
                .append(task)
                .append('"')
                .append('}');
        for (int a = 2; a < attributes; a++) {
            sb.append(",\"attr").append(a).append("\":");
            switch (a % 8) {
                case 0:
                    sb.append("{\"S\":\"").append(words(r, 2 + r.nextInt(12))).append("\"}");
                    break;
                case 1:
                    sb.append("{\"N\":\"").append(r.nextInt(1_000_000)).append("\"}");
                    break;
                case 2:
                    sb.append("{\"N\":\"")
                            .append(r.nextInt(10_000))
                            .append('.')
                            .append(10 + r.nextInt(90))
                            .append("\"}");
                    break;
                case 3:
                    sb.append("{\"BOOL\":").append(r.nextBoolean()).append('}');
                    break;
                case 4:
                    sb.append(
                            r.nextInt(4) == 0
                                    ? "{\"NULL\":true}"
                                    : "{\"SS\":[\"red\",\"green\",\"" + words(r, 1) + "\"]}");
                    break;
                case 5:
                    sb.append("{\"NS\":[\"1\",\"2.5\",\"").append(r.nextInt(100)).append("\"]}");
                    break;
                case 6:
                    sb.append("{\"M\":{\"name\":{\"S\":\"")
                            .append(words(r, 2))
                            .append("\"},\"count\":{\"N\":\"")
                            .append(r.nextInt(50))
                            .append("\"},\"tags\":{\"L\":[{\"S\":\"a\"},{\"S\":\"b\"}]}}}");
                    break;
                default:
                    sb.append("{\"L\":[{\"M\":{\"step\":{\"S\":\"")
                            .append(words(r, 1))
                            .append("\"},\"done\":{\"BOOL\":")
                            .append(r.nextBoolean())
                            .append("}}},{\"N\":\"")
                            .append(r.nextInt(9))
                            .append("\"}]}");
            }
        }
        return sb.append('}').toString();
    }

    private static final String[] WORDS = {
        "buy", "milk", "call", "mom", "fix", "bike", "write", "report", "plan", "trip", "pay",
        "rent", "book", "dentist", "clean", "garage", "water", "plants", "read", "paper"
    };

    private static String words(Random r, int n) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            if (i > 0) {
                sb.append(' ');
            }
            sb.append(WORDS[r.nextInt(WORDS.length)]);
        }
        return sb.toString();
    }
}
