package io.streamsync.source.repair;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamsync.config.ConfigException;
import io.streamsync.config.JobConfig;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The repair request's forms ({@code repair.request}) and the settings that carry it. */
class RepairRequestTest {
    @Test
    void noneOrEmptyIsNoRequest() {
        assertThat(RepairRequest.parse("none")).isNull();
        assertThat(RepairRequest.parse(" ")).isNull();
        assertThat(RepairSettings.fromConfig(JobConfig.from(Map.of())).requested())
                .as("the default")
                .isFalse();
    }

    @Test
    void namesListsOnceEachInOrder() {
        RepairRequest r = RepairRequest.parse("r-42=quiet-0, quiet-1,quiet-0,");
        assertThat(r.id).isEqualTo("r-42");
        assertThat(r.lists).containsExactly("quiet-0", "quiet-1");
        assertThat(r.reportPath).isNull();
    }

    @Test
    void takesTheDriftedListsOfAReport() throws IOException {
        RepairRequest r = RepairRequest.parse("r-43=drifted:s3://bucket/reconcile/report.jsonl");
        assertThat(r.lists).isEmpty();
        assertThat(r.reportPath).isEqualTo("s3://bucket/reconcile/report.jsonl");
        String report =
                "{\"list\":\"quiet-0\",\"verdict\":\"drift\",\"reason\":\"confirmed\"}\n"
                        + "{\"list\":\"quiet-1\",\"verdict\":\"drift\",\"reason\":\"confirmed\"}\n"
                        + "{\"list\":\"list-003\",\"verdict\":\"lag\",\"reason\":\"the aggregate row moved\"}\n"
                        + "{\"summary\":true,\"listsChecked\":14,\"listsDrifted\":2,"
                        + "\"drifted\":[\"quiet-0\",\"quiet-1\"]}\n";
        assertThat(RepairRequest.driftedLists(report)).containsExactly("quiet-0", "quiet-1");
        assertThatThrownBy(() -> RepairRequest.driftedLists("{\"list\":\"a\"}\n"))
                .hasMessageContaining("no summary line");
    }

    @Test
    void refusesAnythingElseNamingTheKey() {
        assertThatThrownBy(() -> RepairRequest.parse("quiet-0")).hasMessageContaining("ID=LIST");
        assertThatThrownBy(() -> RepairRequest.parse("bad id=a")).hasMessageContaining("bad id");
        assertThatThrownBy(() -> RepairRequest.parse("r-1=")).hasMessageContaining("no list");
        assertThatThrownBy(() -> RepairRequest.parse("r-1=drifted:")).hasMessageContaining("path");
        assertThatThrownBy(
                        () ->
                                RepairSettings.fromConfig(
                                        JobConfig.from(Map.of("repair.request", "oops"))))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("repair.request=oops");
        assertThatThrownBy(
                        () ->
                                RepairSettings.fromConfig(
                                        JobConfig.from(Map.of("repair.read.margin.ms", "-1"))))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("repair.read.margin.ms");
    }

    @Test
    void theSettingsCarryTheRequestAndTheMargin() {
        RepairSettings s =
                RepairSettings.fromConfig(
                        JobConfig.from(
                                Map.of(
                                        "repair.request", "r-1=a,b",
                                        "repair.read.margin.ms", "1500")));
        assertThat(s.requested()).isTrue();
        assertThat(s.request.lists).isEqualTo(List.of("a", "b"));
        assertThat(s.readMarginMs).isEqualTo(1500);
    }
}
