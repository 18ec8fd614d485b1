package io.streamsync.sink.commit;

import java.io.IOException;
import org.apache.flink.metrics.MetricGroup;

/** Creates the {@link StatusPublisher} of the status step (on the task manager). */
@FunctionalInterface
public interface StatusPublisherFactory extends java.io.Serializable {
    StatusPublisher create(MetricGroup metrics) throws IOException;
}
