package io.streamsync.sink.dynamodb;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.services.dynamodb.model.DynamoDbException;

/**
 * Which refusals of DynamoDB concern one row (a dead letter, the others go on) and which concern
 * every row (the job fails over, nothing is dropped). A ValidationException is both kinds: a key
 * over 2,048 bytes is the row's own, a key schema that does not match the table's is everyone's,
 * and dead-lettering it would drop every aggregate silently.
 */
class AggregateTableErrorClassesTest {

    private static DynamoDbException error(String code, String message) {
        return (DynamoDbException)
                DynamoDbException.builder()
                        .statusCode(400)
                        .awsErrorDetails(
                                AwsErrorDetails.builder()
                                        .errorCode(code)
                                        .errorMessage(message)
                                        .build())
                        .build();
    }

    @Test
    void aKeyOrItemOverDynamoDbsSizeLimitsIsTheRowsOwnFault() {
        assertThat(
                        AggregateTablePublisher.perRow(
                                error(
                                        "ValidationException",
                                        "One or more parameter values were invalid: Size of hashkey has exceeded the maximum size limit of 2048 bytes")))
                .isTrue();
        assertThat(
                        AggregateTablePublisher.perRow(
                                error(
                                        "ValidationException",
                                        "Item size has exceeded the maximum allowed size")))
                .isTrue();
        assertThat(
                        AggregateTablePublisher.perRow(
                                error(
                                        "ItemCollectionSizeLimitExceededException",
                                        "Collection size exceeded.")))
                .isTrue();
    }

    @Test
    void aValidationExceptionAboutTheTablesKeySchemaFailsTheJobOverInsteadOfDroppingEveryRow() {
        // the sink configured for listId, the table keyed by id (or by a number, or with a sort
        // key)
        assertThat(
                        AggregateTablePublisher.perRow(
                                error(
                                        "ValidationException",
                                        "One or more parameter values were invalid: Missing the key id in the item")))
                .isFalse();
        assertThat(
                        AggregateTablePublisher.perRow(
                                error(
                                        "ValidationException",
                                        "One or more parameter values were invalid: Type mismatch for key listId expected: N actual: S")))
                .isFalse();
        assertThat(
                        AggregateTablePublisher.perRow(
                                error(
                                        "ValidationException",
                                        "The provided key element does not match the schema")))
                .isFalse();
    }

    @Test
    void otherRefusalsFailTheJobOver() {
        assertThat(
                        AggregateTablePublisher.perRow(
                                error("ResourceNotFoundException", "Requested resource not found")))
                .isFalse();
        assertThat(AggregateTablePublisher.perRow(error("AccessDeniedException", "not authorized")))
                .isFalse();
        assertThat(AggregateTablePublisher.perRow(new RuntimeException("x"))).isFalse();
    }
}
