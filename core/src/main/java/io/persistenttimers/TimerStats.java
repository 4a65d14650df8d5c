package io.persistenttimers;

import java.time.Duration;

/**
 * A snapshot of a {@link PersistentTimer}. The counts by status come from one store query each; the
 * rest from memory.
 *
 * @param active timers in the store waiting to fire (status ACTIVE)
 * @param failed timers in the store that gave up (status FAILED)
 * @param quarantined timers in the store that could not be bound (status QUARANTINED)
 * @param armed timers held in memory, due within the horizon
 * @param running callbacks running now
 * @param waitingForCallbackType timers whose callback type is not registered yet
 * @param overdueLag how late the most overdue armed timer is now, zero if none
 * @param fired callbacks that returned normally since start
 * @param failures callback failures (attempts) since start
 * @param overdue armed timers whose due time has passed, not yet started
 * @param leasesHeld in multi-node mode, the timers this node holds a lease on (armed or running); 0
 *     otherwise
 */
public record TimerStats(
    long active,
    long failed,
    long quarantined,
    int armed,
    int running,
    int waitingForCallbackType,
    Duration overdueLag,
    long fired,
    long failures,
    int overdue,
    int leasesHeld) {}
