package io.streamsync.sink.commit;

import java.io.IOException;
import org.apache.flink.metrics.MetricGroup;

/**
 * Creates the {@link Publisher} of one committer subtask (on the task manager, so it is
 * serializable).
 */
@FunctionalInterface
public interface PublisherFactory<T> extends java.io.Serializable {
    Publisher<T> create(MetricGroup metrics, int subtask) throws IOException;
}
