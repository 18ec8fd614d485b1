package io.streamsync.sink.search;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Issue 31 §2: what the log says of a refused document never quotes the document's values. */
class SearchRejectionLogTest {
    @Test
    void theLogKeepsTheStatusAndErrorTypeButNotTheEnginesTextWhichQuotesFieldValues() {
        String reason =
                "400 mapper_parsing_exception: failed to parse field [ssn] of type [long] in document with id"
                        + " 'l|t'. Preview of field's value: '078-05-1120'";
        assertThat(SearchIndexPublisher.loggableReason(reason))
                .isEqualTo("400 mapper_parsing_exception")
                .doesNotContain("078-05-1120");
        assertThat(SearchIndexPublisher.loggableReason("x".repeat(500))).hasSize(80);
    }
}
