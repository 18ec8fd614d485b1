package io.streamsync.aggregate;

/**
 * The timers of the current list: the operator's timer service, or a recording fake in unit tests.
 */
interface Timers {
    void registerProcessingTime(long time);

    void deleteProcessingTime(long time);

    void registerEventTime(long time);

    void deleteEventTime(long time);
}
