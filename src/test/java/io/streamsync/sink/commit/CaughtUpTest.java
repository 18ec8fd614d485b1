package io.streamsync.sink.commit;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class CaughtUpTest {
    @Test
    void aCheckpointCountsOnlyOnceEveryWriterSubtasksBatchIsPublished() {
        CaughtUp c = new CaughtUp();
        assertThat(c.published(7, 0, 3, 1_000)).isEqualTo(CaughtUp.NONE);
        assertThat(c.published(7, 2, 3, 900)).isEqualTo(CaughtUp.NONE);
        assertThat(c.published())
                .as("subtask 1's batch is not published yet")
                .isEqualTo(CaughtUp.NONE);
        assertThat(c.published(7, 1, 3, 950)).as("the least of the three").isEqualTo(900);
    }

    @Test
    void theStatusNeverAdvancesPastAWriterThatHasNotPublished() {
        CaughtUp c = new CaughtUp();
        assertThat(c.published(1, 0, 2, 100)).isEqualTo(CaughtUp.NONE);
        assertThat(c.published(1, 1, 2, 100)).isEqualTo(100);
        // subtask 0 goes on publishing checkpoints 2..5, subtask 1 is stuck (a sink outage)
        for (long cp = 2; cp <= 5; cp++) {
            assertThat(c.published(cp, 0, 2, 100 + cp * 100)).isEqualTo(CaughtUp.NONE);
        }
        assertThat(c.published()).isEqualTo(100);
        // subtask 1 catches up: its batches of 2..5 come in order
        assertThat(c.published(2, 1, 2, 250)).isEqualTo(250);
        assertThat(c.published(3, 1, 2, 390)).isEqualTo(390);
        assertThat(c.published(4, 1, 2, 600))
                .as("subtask 0 had 500 at checkpoint 4")
                .isEqualTo(500);
        assertThat(c.published(5, 1, 2, 700)).isEqualTo(600);
    }

    @Test
    void itNeverGoesBack() {
        CaughtUp c = new CaughtUp();
        c.published(1, 0, 1, 1_000);
        assertThat(c.published()).isEqualTo(1_000);
        // after a restore the watermarks start anew, and a batch published again repeats itself
        assertThat(c.published(2, 0, 1, 400)).isEqualTo(CaughtUp.NONE);
        assertThat(c.published(1, 0, 1, 1_000)).isEqualTo(CaughtUp.NONE);
        assertThat(c.published(3, 0, 1, 1_000)).isEqualTo(CaughtUp.NONE);
        assertThat(c.published()).isEqualTo(1_000);
        assertThat(c.published(4, 0, 1, 1_001)).isEqualTo(1_001);
    }

    @Test
    void aWriterWithoutWatermarkOrABatchOfAnOlderReleaseClaimsNothing() {
        CaughtUp c = new CaughtUp();
        assertThat(c.published(1, 0, 2, 500)).isEqualTo(CaughtUp.NONE);
        assertThat(c.published(1, 1, 2, CommitBatch.NO_WATERMARK))
                .as("the least is 'no watermark'")
                .isEqualTo(CaughtUp.NONE);
        assertThat(c.published(2, -1, 0, CommitBatch.NO_WATERMARK)).isEqualTo(CaughtUp.NONE);
        assertThat(c.published()).isEqualTo(CaughtUp.NONE);
    }

    @Test
    void batchesOfAnotherParallelismDoNotCompleteACheckpoint() {
        CaughtUp c = new CaughtUp();
        // after a rescale from 2 to 3: checkpoint 9's batch of old subtask 0 is restored and
        // published again (old subtask 1 had published its own before the failure); the new
        // run's checkpoints come with 3 subtasks
        assertThat(c.published(9, 0, 2, 300)).isEqualTo(CaughtUp.NONE);
        assertThat(c.published(10, 0, 3, 350)).isEqualTo(CaughtUp.NONE);
        assertThat(c.published(10, 1, 3, 360)).isEqualTo(CaughtUp.NONE);
        assertThat(c.published(10, 1, 2, 999))
                .as("a batch claiming 2 subtasks does not stand for one of 3")
                .isEqualTo(CaughtUp.NONE);
        assertThat(c.published(10, 2, 3, 370)).isEqualTo(350);
        assertThat(c.published(9, 1, 2, 310))
                .as("checkpoint 9 is older than the one published: done")
                .isEqualTo(CaughtUp.NONE);
    }

    @Test
    void aSubtaskRepeatingItsBatchDoesNotStandForAnother() {
        CaughtUp c = new CaughtUp();
        assertThat(c.published(1, 0, 2, 100)).isEqualTo(CaughtUp.NONE);
        assertThat(c.published(1, 0, 2, 100)).isEqualTo(CaughtUp.NONE);
        assertThat(c.published()).isEqualTo(CaughtUp.NONE);
    }

    @Test
    void checkpointsThatNeverCompleteAreForgottenBeyondALimit() {
        CaughtUp c = new CaughtUp();
        for (long cp = 1; cp <= CaughtUp.MAX_OPEN * 3; cp++) {
            c.published(cp, 0, 2, cp);
        }
        assertThat(c.published(1, 1, 2, 1))
                .as("checkpoint 1 was forgotten")
                .isEqualTo(CaughtUp.NONE);
        long last = CaughtUp.MAX_OPEN * 3;
        assertThat(c.published(last, 1, 2, last)).isEqualTo(last);
    }

    @Test
    void theStatusKeyIsNoDocumentIdTheJobCanMake() {
        assertThat(io.streamsync.change.ItemKeys.itemKey("|streamsync:caught-up", null))
                .isNotEqualTo(CaughtUp.STATUS_ID);
        assertThat(io.streamsync.change.ItemKeys.itemKey("", "streamsync:caught-up"))
                .as("only an empty partition key could make it, and DynamoDB has none")
                .isEqualTo(CaughtUp.STATUS_ID);
        assertThat(CaughtUp.isStatus(CaughtUp.STATUS_ID)).isTrue();
        assertThat(CaughtUp.isStatus("list-1")).isFalse();
    }
}
