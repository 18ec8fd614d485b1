package io.streamsync.source.stream;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.streamsync.source.RawRecord;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** Reading the parts of stream API answers both services share. */
final class AnswerParsing {
    private AnswerParsing() {}

    /** Reads a {@code Shards} array (the parser is on its START_ARRAY). */
    static void shards(JsonParser p, List<ListedShard> into) throws IOException {
        if (p.currentToken() != JsonToken.START_ARRAY) {
            p.skipChildren();
            return;
        }
        while (p.nextToken() == JsonToken.START_OBJECT) {
            String id = null;
            List<String> parents = new ArrayList<>(2);
            boolean closed = false;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken t = p.nextToken();
                switch (name) {
                    case "ShardId":
                        id = p.getText();
                        break;
                    case "ParentShardId":
                    case "AdjacentParentShardId":
                        if (t == JsonToken.VALUE_STRING && !p.getText().isEmpty()) {
                            parents.add(p.getText());
                        }
                        break;
                    case "SequenceNumberRange":
                        closed = hasEndingSequenceNumber(p);
                        break;
                    default:
                        p.skipChildren();
                }
            }
            if (id == null) {
                throw new IOException("a listed shard has no ShardId");
            }
            into.add(new ListedShard(id, parents, closed));
        }
    }

    private static boolean hasEndingSequenceNumber(JsonParser p) throws IOException {
        boolean ending = false;
        if (p.currentToken() != JsonToken.START_OBJECT) {
            p.skipChildren();
            return false;
        }
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken t = p.nextToken();
            if ("EndingSequenceNumber".equals(name)
                    && t == JsonToken.VALUE_STRING
                    && !p.getText().isEmpty()) {
                ending = true;
            } else {
                p.skipChildren();
            }
        }
        return ending;
    }

    /** Reads one record of a GetRecords answer (the scanner is on its opening brace). */
    interface RecordReader {
        RawRecord read(AnswerScanner s, byte[] answer, String shardId) throws IOException;
    }

    /**
     * A GetRecords answer: NextShardIterator, MillisBehindLatest (Kinesis) and the records, each
     * read by {@code reader}, with the structural scanner (no tokenizer pass over the records).
     */
    static RecordBatch getRecords(byte[] answer, String shardId, RecordReader reader)
            throws IOException {
        AnswerScanner s = new AnswerScanner(answer);
        List<RawRecord> records = new ArrayList<>();
        String[] next = {null};
        long[] behind = {-1L};
        boolean[] hasRecords = {false};
        try {
            s.object(
                    name -> {
                        if ("NextShardIterator".equals(name)) {
                            next[0] = s.stringOrNull();
                        } else if ("MillisBehindLatest".equals(name)) {
                            behind[0] = s.longValue();
                        } else if ("Records".equals(name) && s.peek() == '[') {
                            hasRecords[0] = true;
                            s.array(
                                    () ->
                                            records.add(
                                                    s.peek() == '{'
                                                            ? reader.read(s, answer, shardId)
                                                            : notAnObject(s, answer, shardId)));
                        } else {
                            s.skipValue();
                        }
                    });
        } catch (IndexOutOfBoundsException e) {
            throw new IOException("GetRecords answer ends early", e);
        }
        // every answer of the service has its Records (an empty list at the end of a closed shard):
        // without them
        // it is not an answer, and its missing NextShardIterator must not end the shard
        expect(hasRecords[0], "GetRecords answer has no Records");
        return new RecordBatch(records, next[0], behind[0]);
    }

    /**
     * An element of Records that is not an object: handed on as its bytes, without a sequence
     * number, so that the parse operator makes it a dead letter (failing the batch would fail it
     * again after every restart).
     */
    static RawRecord notAnObject(AnswerScanner s, byte[] answer, String shardId)
            throws IOException {
        s.peek();
        int start = s.position();
        s.skipValue();
        return new RawRecord(
                java.util.Arrays.copyOfRange(answer, start, s.position()), shardId, null, -1L);
    }

    /**
     * One page of a shard listing: the {@code Shards} of the answer (inside the object field {@code
     * container}, or at the top level when null) go to {@code into}; returns the next page's token
     * (field {@code tokenField}).
     */
    static String shardPage(
            String operation,
            byte[] answer,
            String container,
            String tokenField,
            List<ListedShard> into)
            throws StreamApiException {
        String token = null;
        try (JsonParser p = JsonBodies.JSON.createParser(answer)) {
            expect(p.nextToken() == JsonToken.START_OBJECT, operation + " answer is not an object");
            if (container != null) {
                while (p.nextToken() == JsonToken.FIELD_NAME
                        && !container.equals(p.currentName())) {
                    p.nextToken();
                    p.skipChildren();
                }
                expect(
                        p.nextToken() == JsonToken.START_OBJECT,
                        operation + " answer has no " + container);
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken t = p.nextToken();
                if ("Shards".equals(name)) {
                    shards(p, into);
                } else if (tokenField.equals(name) && t == JsonToken.VALUE_STRING) {
                    token = p.getText();
                } else {
                    p.skipChildren();
                }
            }
        } catch (IOException e) {
            throw malformed(operation, e);
        }
        return token;
    }

    /** The ShardIterator of a GetShardIterator answer. */
    static String shardIterator(byte[] answer) throws StreamApiException {
        try {
            String iterator = JsonBodies.topLevelStrings(answer).get("ShardIterator");
            expect(iterator != null, "GetShardIterator answer has no ShardIterator");
            return iterator;
        } catch (IOException e) {
            throw malformed("GetShardIterator", e);
        }
    }

    static void expect(boolean condition, String problem) throws IOException {
        if (!condition) {
            throw new IOException(problem);
        }
    }

    static StreamApiException malformed(String operation, IOException e) {
        return new StreamApiException(
                StreamApiException.Kind.RETRYABLE,
                operation + " answer could not be read: " + e.getMessage(),
                null,
                200,
                e);
    }
}
