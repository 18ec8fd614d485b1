package io.streamsync.sink.elasticsearch;

import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.connector.elasticsearch.sink.ElasticsearchEmitter;
import org.apache.flink.connector.elasticsearch.sink.RequestIndexer;
import org.elasticsearch.action.delete.DeleteRequest;
import org.elasticsearch.action.index.IndexRequest;
import org.elasticsearch.common.xcontent.XContentType;

/** Turns {@link SearchAction}s into bulk index/delete requests; the JSON is passed through unchanged. */
public class SearchActionEmitter implements ElasticsearchEmitter<SearchAction> {
    private static final long serialVersionUID = 1L;

    @Override
    public void emit(SearchAction action, SinkWriter.Context context, RequestIndexer indexer) {
        if (action.isDelete()) {
            indexer.add(new DeleteRequest(action.index, action.id));
        } else {
            indexer.add(new IndexRequest(action.index).id(action.id).source(action.sourceJson, XContentType.JSON));
        }
    }
}
