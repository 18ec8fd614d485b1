package io.streamsync.source;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamsync.config.ConfigException;
import io.streamsync.config.JobConfig;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;

/** A filter on an image the stream's view type does not carry is refused, naming the view type. */
class StreamViewTypeChecksTest {
    private static JobConfig filter(String pattern) {
        return JobConfig.from(Map.of("filter.patterns", pattern));
    }

    @Test
    void imageFiltersNeedTheImage() {
        JobConfig onNew = filter("{\"dynamodb\":{\"NewImage\":{\"status\":{\"S\":[\"done\"]}}}}");
        JobConfig onOld = filter("{\"dynamodb\":{\"OldImage\":{\"status\":[{\"exists\":true}]}}}");
        JobConfig onName = filter("{\"eventName\":[\"INSERT\",\"REMOVE\"]}");
        for (StreamViewType v :
                new StreamViewType[] {StreamViewType.KEYS_ONLY, StreamViewType.OLD_IMAGE}) {
            assertThatThrownBy(() -> StreamArnResolver.checkFilterImages(onNew, v, "the stream"))
                    .isInstanceOf(ConfigException.class)
                    .hasMessageContaining("filters on dynamodb.NewImage")
                    .hasMessageContaining("view type " + v);
        }
        for (StreamViewType v :
                new StreamViewType[] {StreamViewType.KEYS_ONLY, StreamViewType.NEW_IMAGE}) {
            assertThatThrownBy(() -> StreamArnResolver.checkFilterImages(onOld, v, "the stream"))
                    .hasMessageContaining("view type " + v);
        }
        for (StreamViewType v : StreamViewType.knownValues()) {
            assertThatCode(() -> StreamArnResolver.checkFilterImages(onName, v, "the stream"))
                    .doesNotThrowAnyException();
        }
        assertThatCode(
                        () ->
                                StreamArnResolver.checkFilterImages(
                                        onNew, StreamViewType.NEW_AND_OLD_IMAGES, "the stream"))
                .doesNotThrowAnyException();
        assertThatCode(
                        () ->
                                StreamArnResolver.checkFilterImages(
                                        onOld, StreamViewType.OLD_IMAGE, "the stream"))
                .doesNotThrowAnyException();
    }
}
