package io.streamsync.source.shards;

import io.streamsync.source.RawRecord;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.source.Boundedness;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.api.connector.source.SourceReader;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.apache.flink.api.java.typeutils.ResultTypeQueryable;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.io.SimpleVersionedSerializer;

/**
 * The change-stream source (FLIP-27): DynamoDB Streams or Kinesis Data Streams, read shard by shard
 * with parents before children. The enumerator ({@link ShardEnumerator}) lists shards and keeps the
 * {@link ShardLineage}; readers ({@link ShardReader}) call GetRecords and emit each record's own
 * bytes. Split and enumerator states have explicit versioned serializers.
 */
public final class ChangeStreamSource
        implements Source<RawRecord, ShardSplit, ShardLineage>, ResultTypeQueryable<RawRecord> {
    private static final long serialVersionUID = 1L;

    private final ShardSourceSettings settings;

    public ChangeStreamSource(ShardSourceSettings settings) {
        this.settings = settings;
    }

    @Override
    public Boundedness getBoundedness() {
        return Boundedness.CONTINUOUS_UNBOUNDED;
    }

    @Override
    public SplitEnumerator<ShardSplit, ShardLineage> createEnumerator(
            SplitEnumeratorContext<ShardSplit> context) {
        return new ShardEnumerator(context, settings, new ShardLineage(settings.initial));
    }

    @Override
    public SplitEnumerator<ShardSplit, ShardLineage> restoreEnumerator(
            SplitEnumeratorContext<ShardSplit> context, ShardLineage checkpoint) {
        return new ShardEnumerator(context, settings, checkpoint);
    }

    @Override
    public SimpleVersionedSerializer<ShardSplit> getSplitSerializer() {
        return new ShardSplitSerializer();
    }

    @Override
    public SimpleVersionedSerializer<ShardLineage> getEnumeratorCheckpointSerializer() {
        return new ShardLineageSerializer();
    }

    @Override
    public SourceReader<RawRecord, ShardSplit> createReader(SourceReaderContext context) {
        return ShardReader.create(settings, new Configuration(), context);
    }

    @Override
    public TypeInformation<RawRecord> getProducedType() {
        return Types.POJO(RawRecord.class);
    }
}
