package io.streamsync.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * Review (repair): the template ships the property group repair, so its role must allow the
 * repair's reads (ListReads: dynamodb:Query on the source table).
 */
class TheApplicationRoleMayQueryTheSourceTableForRepairsTest {
    @Test
    void theApplicationRoleMayQueryTheSourceTable() throws Exception {
        String t = Files.readString(Path.of("deploy/cloudformation/streamsync.yaml"));
        assertThat(t).contains("PropertyGroupId: repair");
        assertThat(t).as("the role's actions").contains("dynamodb:Query");
    }
}
