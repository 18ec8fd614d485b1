package io.streamsync.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** The item sizes RECONCILE.md computes read units from, by DynamoDB's rules. */
class ItemSizeTest {
    @Test
    void namesAndValuesCountTheirBytesNumbersTheirSignificantDigitsListsAndMapsTheirOverhead() {
        // strings: UTF-8 bytes of the name and the value ("\u2713" is 3 bytes)
        assertThat(ReconcileCost.ItemSize.of(Map.of("a", AttributeValue.fromS("ab\u2713"))))
                .isEqualTo(1 + 5);
        // numbers: 1 byte per two significant digits plus 1; leading and trailing zeros trimmed
        assertThat(ReconcileCost.ItemSize.number("123")).isEqualTo(3);
        assertThat(ReconcileCost.ItemSize.number("-1200")).isEqualTo(2);
        assertThat(ReconcileCost.ItemSize.number("0.5")).isEqualTo(2);
        assertThat(ReconcileCost.ItemSize.number("00012.3400")).isEqualTo(3);
        assertThat(ReconcileCost.ItemSize.number("0")).isEqualTo(1);
        assertThat(ReconcileCost.ItemSize.number("12345678901234567890123456789012345678"))
                .isEqualTo(20);
        // booleans and nulls 1 byte; binary its bytes; sets the sum of their elements
        assertThat(ReconcileCost.ItemSize.value(AttributeValue.fromBool(true))).isEqualTo(1);
        assertThat(ReconcileCost.ItemSize.value(AttributeValue.fromNul(true))).isEqualTo(1);
        assertThat(
                        ReconcileCost.ItemSize.value(
                                AttributeValue.fromB(SdkBytes.fromByteArray(new byte[7]))))
                .isEqualTo(7);
        assertThat(ReconcileCost.ItemSize.value(AttributeValue.fromSs(List.of("ab", "c"))))
                .isEqualTo(3);
        assertThat(ReconcileCost.ItemSize.value(AttributeValue.fromNs(List.of("1", "22"))))
                .isEqualTo(2 + 2);
        // maps and lists: 3 bytes, plus each element's name and value and 1 byte
        assertThat(
                        ReconcileCost.ItemSize.value(
                                AttributeValue.fromM(Map.of("x", AttributeValue.fromBool(true)))))
                .isEqualTo(3 + 1 + 1 + 1);
        assertThat(ReconcileCost.ItemSize.value(AttributeValue.fromL(List.of()))).isEqualTo(3);
        assertThat(
                        ReconcileCost.ItemSize.value(
                                AttributeValue.fromL(List.of(AttributeValue.fromS("ab")))))
                .isEqualTo(3 + 2 + 1);
    }

    @Test
    void theBenchItemsAreAboutTheSizeOfTheWorkloadsTasks() {
        long size = ReconcileCost.ItemSize.of(ReconcileCost.item(12_345, 10_000));
        assertThat(size).isBetween(150L, 400L);
    }
}
