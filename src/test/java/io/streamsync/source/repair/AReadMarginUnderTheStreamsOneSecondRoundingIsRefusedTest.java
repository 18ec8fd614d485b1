package io.streamsync.source.repair;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamsync.config.JobConfig;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * repair.read.margin.ms must cover DynamoDB Streams' creation times, rounded down to the second: a
 * margin under 1000 ms would let a change committed just after the read carry a creation time at or
 * before the read time, and the repair would undo it for good (from the review's
 * ReviewRepairMarginTest).
 */
class AReadMarginUnderTheStreamsOneSecondRoundingIsRefusedTest {
    private static Map<String, String> config(String margin) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("table.partition.key", "listId");
        p.put("table.sort.key", "taskId");
        p.put("repair.request", "r-1=a");
        p.put("repair.read.margin.ms", margin);
        return p;
    }

    @Test
    void aMarginUnderTheStreamsRoundingIsRefused() {
        for (String m : new String[] {"0", "999", "-1", "x"}) {
            assertThatThrownBy(() -> RepairSettings.fromConfig(JobConfig.from(config(m))))
                    .as("margin %s", m)
                    .hasMessageContaining("repair.read.margin.ms=" + m)
                    .hasMessageContaining("at least 1000");
        }
        assertThat(RepairSettings.fromConfig(JobConfig.from(config("1000"))).readMarginMs)
                .isEqualTo(1000);
    }
}
