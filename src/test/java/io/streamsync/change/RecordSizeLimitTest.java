package io.streamsync.change;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** {@code source.max.record.bytes} at its boundary, in bytes (not characters). */
class RecordSizeLimitTest {
    @Test
    void aRecordOfExactlyTheLimitPassesAndOneByteMoreIsADeadLetter() {
        assertThatCode(() -> RecordSizeLimit.check(new byte[100], 100)).doesNotThrowAnyException();
        assertThatThrownBy(() -> RecordSizeLimit.check(new byte[101], 100))
                .isInstanceOf(InvalidRecordException.class)
                .hasMessage("record of 101 bytes exceeds source.max.record.bytes (100)");
    }

    @Test
    void theLimitCountsUtf8BytesNotCharacters() {
        byte[] fiftyCharacters = "é".repeat(50).getBytes(StandardCharsets.UTF_8); // 100 bytes
        assertThatCode(() -> RecordSizeLimit.check(fiftyCharacters, 100))
                .doesNotThrowAnyException();
        assertThatThrownBy(() -> RecordSizeLimit.check(fiftyCharacters, 99))
                .isInstanceOf(InvalidRecordException.class);
    }
}
