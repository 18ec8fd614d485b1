package io.streamsync.bench.legacy;

import io.streamsync.source.RawRecord;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.connectors.kinesis.serialization.KinesisDeserializationSchema;

/**
 * Keeps the record's bytes together with its shard and sequence number. It never throws: a record
 * that is not valid JSON still becomes a {@link RawRecord} and is rejected, with its reason, by the parse
 * operator.
 */
public class LegacyRawRecordDeserializationSchema implements KinesisDeserializationSchema<RawRecord> {
    private static final long serialVersionUID = 1L;

    @Override
    public RawRecord deserialize(byte[] recordValue, String partitionKey, String seqNum, long approxArrivalTimestamp,
            String stream, String shardId) {
        return new RawRecord(recordValue, shardId, seqNum, approxArrivalTimestamp);
    }

    @Override
    public TypeInformation<RawRecord> getProducedType() {
        return Types.POJO(RawRecord.class);
    }
}
