package io.streamsync.source;

import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * Where the pipeline's change records come from: the pipeline's {@code RecordSources} builds the
 * production ones (the change stream, the bootstrap scan), tests plug in bounded sources of fixture
 * records. The pipeline's production sources get their uids and names from the pipeline; a test's
 * source sets its own.
 */
@FunctionalInterface
public interface RecordSource {
    DataStream<RawRecord> create(StreamExecutionEnvironment env);
}
