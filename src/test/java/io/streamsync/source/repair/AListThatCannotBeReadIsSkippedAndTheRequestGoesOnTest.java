package io.streamsync.source.repair;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import io.streamsync.change.ChangeEvent;
import io.streamsync.config.JobConfig;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.connector.source.ReaderOutput;
import org.apache.flink.api.connector.source.SourceEvent;
import org.apache.flink.api.connector.source.SourceOutput;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.metrics.groups.SourceReaderMetricGroup;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.apache.flink.util.SimpleUserCodeClassLoader;
import org.apache.flink.util.UserCodeClassLoader;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.dynamodb.model.DynamoDbException;

/**
 * Review (repair): a list whose read fails for good (no dynamodb:Query in the role, a list id the
 * table's key type refuses, an index the role may not search) must not fail the task: the restored
 * reader holds the same split at the same position and fails again, so the whole job (one region)
 * restarts forever and the change stream is no longer applied.
 */
class AListThatCannotBeReadIsSkippedAndTheRequestGoesOnTest {
    private final SourceReaderContext context =
            new SourceReaderContext() {
                @Override
                public SourceReaderMetricGroup metricGroup() {
                    return UnregisteredMetricsGroup.createSourceReaderMetricGroup();
                }

                @Override
                public Configuration getConfiguration() {
                    return new Configuration();
                }

                @Override
                public String getLocalHostName() {
                    return "localhost";
                }

                @Override
                public int getIndexOfSubtask() {
                    return 0;
                }

                @Override
                public void sendSplitRequest() {}

                @Override
                public void sendSourceEventToCoordinator(SourceEvent event) {}

                @Override
                public UserCodeClassLoader getUserCodeClassLoader() {
                    return SimpleUserCodeClassLoader.create(getClass().getClassLoader());
                }
            };

    static final class Collecting implements ReaderOutput<ChangeEvent> {
        final List<ChangeEvent> records = new ArrayList<>();

        @Override
        public void collect(ChangeEvent record) {
            records.add(record);
        }

        @Override
        public void collect(ChangeEvent record, long timestamp) {
            records.add(record);
        }

        @Override
        public void emitWatermark(Watermark watermark) {}

        @Override
        public void markIdle() {}

        @Override
        public void markActive() {}

        @Override
        public SourceOutput<ChangeEvent> createOutputForSplit(String splitId) {
            return this;
        }

        @Override
        public void releaseOutputForSplit(String splitId) {}
    }

    @Test
    void aListThatCannotBeReadDoesNotFailTheTaskAgainAndAgain() throws Exception {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("table.partition.key", "listId");
        p.put("table.sort.key", "taskId");
        p.put("repair.request", "r-1=L");
        p.put("aws.endpoint", "http://127.0.0.1:1"); // the Query fails (as AccessDenied would)
        p.put("aws.credentials.provider", "BASIC");
        p.put("aws.credentials.access.key.id", "k");
        p.put("aws.credentials.secret.access.key", "s");
        RepairSettings settings = RepairSettings.fromConfig(JobConfig.from(p));
        RepairReader reader = new RepairReader(context, settings, ListDocuments.none(), 2, 10);
        reader.start();
        reader.addSplits(List.of(new RepairSplit("r-1", List.of("L", "M"), 0)));
        Collecting out = new Collecting();
        assertThatCode(
                        () -> {
                            for (int i = 0; i < 3; i++) {
                                reader.pollNext(out);
                            }
                        })
                .as("a permanent read error of one list")
                .doesNotThrowAnyException();
        assertThat(reader.snapshotState(1))
                .as("the request went on past the lists it could not read, to its end")
                .isEmpty();
        reader.close();
    }

    @Test
    void throttlingA5xxAndNoAnswerAreTriedAgainAccessDeniedAndValidationAreNot() {
        assertThat(RepairReader.transientFailure(error(400, "ThrottlingException"))).isTrue();
        assertThat(
                        RepairReader.transientFailure(
                                error(400, "ProvisionedThroughputExceededException")))
                .isTrue();
        assertThat(RepairReader.transientFailure(error(500, "InternalServerError"))).isTrue();
        assertThat(RepairReader.transientFailure(SdkClientException.create("timed out"))).isTrue();
        assertThat(RepairReader.transientFailure(new java.io.IOException("search"))).isTrue();
        assertThat(RepairReader.transientFailure(error(400, "AccessDeniedException"))).isFalse();
        assertThat(RepairReader.transientFailure(error(400, "ValidationException"))).isFalse();
        assertThat(RepairReader.transientFailure(new IllegalArgumentException("key type")))
                .isFalse();
    }

    private static DynamoDbException error(int status, String code) {
        return (DynamoDbException)
                DynamoDbException.builder()
                        .statusCode(status)
                        .awsErrorDetails(AwsErrorDetails.builder().errorCode(code).build())
                        .build();
    }
}
