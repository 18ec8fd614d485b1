package io.streamsync.source;

import io.streamsync.pipeline.RecordSources;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * Where the pipeline's change records come from. Production uses {@link
 * RecordSources#changeStream}; tests plug in bounded sources of fixture records. An implementation
 * sets the source operator's uid and name.
 */
@FunctionalInterface
public interface RecordSource {
    DataStream<RawRecord> create(StreamExecutionEnvironment env);
}
