package io.streamsync.reconcile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamsync.config.ConfigException;
import io.streamsync.config.JobConfig;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ReconcileReportTest {
    @Test
    void aLinePerListThenTheSummaryCountingOnlyDrift() throws Exception {
        ListDifference drift =
                new ListDifference("a", 3, new Outputs.Aggregate(99, 7), null, 2, true, false);
        drift.missing.add("a|1");
        drift.phantom.add("a|9");
        ListDifference lag = new ListDifference("b", 1, null, null, 0, true, true);
        lag.missing.add("b|1");
        ReconcileReport r =
                new ReconcileReport(
                        5,
                        List.of(
                                new ReconcileReport.ListResult(
                                        DriftRule.Verdict.DRIFT, "confirmed", drift, drift),
                                new ReconcileReport.ListResult(
                                        DriftRule.Verdict.LAG,
                                        "the aggregate row moved",
                                        lag,
                                        lag)),
                        10,
                        0,
                        0,
                        12.5,
                        0,
                        1000,
                        2000,
                        3000,
                        1000);
        ObjectMapper m = new ObjectMapper();
        List<String> lines = r.lines();
        assertThat(lines).hasSize(3);
        JsonNode a = m.readTree(lines.get(0));
        assertThat(a.path("list").asText()).isEqualTo("a");
        assertThat(a.path("verdict").asText()).isEqualTo("drift");
        assertThat(a.path("rowCount").asLong()).isEqualTo(99);
        assertThat(a.path("documentCount").isNull()).isTrue();
        assertThat(a.path("missing").get(0).asText()).isEqualTo("a|1");
        assertThat(a.path("phantomCount").asLong()).isEqualTo(1);
        assertThat(m.readTree(lines.get(1)).path("verdict").asText()).isEqualTo("lag");
        JsonNode s = m.readTree(lines.get(2));
        assertThat(s.path("summary").asBoolean()).isTrue();
        assertThat(s.path("listsChecked").asLong()).isEqualTo(5);
        assertThat(s.path("listsDrifted").asLong()).isEqualTo(1);
        assertThat(s.path("listsUnconfirmed").asLong()).isEqualTo(1);
        assertThat(s.path("itemsMissing").asLong()).isEqualTo(1); // the lag list's is not counted
        assertThat(s.path("itemsPhantom").asLong()).isEqualTo(1);
        assertThat(s.path("rowsDrifted").asLong()).isEqualTo(1);
        assertThat(s.path("drifted").get(0).asText()).isEqualTo("a");
    }

    @Test
    void settingsDefaultToWindowPlusCheckpointPlusMarginAndRefuseBadValues() {
        Map<String, String> p = new HashMap<>();
        p.put("aggregate.window.ms", "2000");
        p.put("checkpoint.interval.ms", "3000");
        p.put("reconcile.margin.ms", "4000");
        ReconcileSettings s = ReconcileSettings.of(JobConfig.from(p));
        assertThat(s.mode).isEqualTo(ReconcileSettings.Mode.NONE);
        assertThat(s.settle.toMillis()).isEqualTo(9000);
        assertThat(s.segments).isEqualTo(8);
        p.put("reconcile.settle.ms", "1234");
        p.put("reconcile.mode", "report");
        s = ReconcileSettings.of(JobConfig.from(p));
        assertThat(s.settle.toMillis()).isEqualTo(1234);
        assertThat(s.mode).isEqualTo(ReconcileSettings.Mode.REPORT);
        p.put("reconcile.mode", "repair");
        assertThatThrownBy(() -> ReconcileSettings.of(JobConfig.from(p)))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("reconcile.mode");
        p.put("reconcile.mode", "report");
        p.put("reconcile.scan.segments", "0");
        assertThatThrownBy(() -> ReconcileSettings.of(JobConfig.from(p)))
                .hasMessageContaining("reconcile.scan.segments");
        p.put("reconcile.scan.segments", "4");
        p.put("reconcile.read.units.per.second", "-1");
        assertThatThrownBy(() -> ReconcileSettings.of(JobConfig.from(p)))
                .hasMessageContaining("reconcile.read.units.per.second");
    }
}
