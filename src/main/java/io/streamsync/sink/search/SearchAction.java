package io.streamsync.sink.search;

import java.util.Objects;

/**
 * One write to the search index: index {@link #sourceJson} under {@link #id}, or delete {@link
 * #id}. Both the aggregate documents and the item documents become these, so one bulk writer serves
 * both. A Flink POJO.
 */
public class SearchAction implements java.io.Serializable {
    private static final long serialVersionUID = 1L;

    public String index;
    public String id;

    /** The document as JSON; null means delete. */
    public String sourceJson;

    /**
     * Version of the change that produced the action (list version), kept for diagnostics and
     * guards.
     */
    public long version;

    public SearchAction() {}

    public SearchAction(String index, String id, String sourceJson, long version) {
        this.index = index;
        this.id = id;
        this.sourceJson = sourceJson;
        this.version = version;
    }

    public boolean isDelete() {
        return sourceJson == null;
    }

    /** One document: index and id ('/' cannot occur in an index name). */
    public String commitKey() {
        return index + "/" + id;
    }

    /** How new this document is (its deterministic version). */
    public long commitVersion() {
        return version;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof SearchAction)) {
            return false;
        }
        SearchAction a = (SearchAction) o;
        return version == a.version
                && Objects.equals(index, a.index)
                && Objects.equals(id, a.id)
                && Objects.equals(sourceJson, a.sourceJson);
    }

    @Override
    public int hashCode() {
        return Objects.hash(index, id, version);
    }

    @Override
    public String toString() {
        return (isDelete() ? "DELETE " : "INDEX ") + index + "/" + id + " v" + version;
    }
}
