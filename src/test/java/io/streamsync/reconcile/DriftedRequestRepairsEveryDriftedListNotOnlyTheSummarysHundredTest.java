package io.streamsync.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamsync.source.repair.RepairRequest;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Review (repair): ID=drifted:REPORT must repair every drifted list the report names. */
class DriftedRequestRepairsEveryDriftedListNotOnlyTheSummarysHundredTest {
    @Test
    void aDriftedRequestTakesOnEveryDriftedListOfTheReport() throws Exception {
        List<ReconcileReport.ListResult> results = new ArrayList<>();
        for (int i = 0; i < 150; i++) {
            ListDifference d = new ListDifference("list-" + i, 1, null, null, -1, true, false);
            results.add(new ReconcileReport.ListResult(DriftRule.Verdict.DRIFT, "row", d, d));
        }
        ListDifference lag = new ListDifference("lagging", 1, null, null, -1, true, false);
        results.add(new ReconcileReport.ListResult(DriftRule.Verdict.LAG, "row", lag, lag));
        ReconcileReport report = new ReconcileReport(151, results, 150, 0, 0, 1.0, 0, 0, 0, 0, 0);
        String text = String.join("\n", report.lines());
        assertThat(report.summary().get("listsDrifted").asLong()).isEqualTo(150);
        assertThat(RepairRequest.driftedLists(text))
                .as("lists a drifted: request repairs")
                .hasSize(150)
                .contains("list-0", "list-149")
                .doesNotContain("lagging");
    }
}
