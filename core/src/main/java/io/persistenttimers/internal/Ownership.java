package io.persistenttimers.internal;

import io.persistenttimers.TimerRecord;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * How an engine gets the right to fire a timer: alone over its store ({@link SingleNode}), or by
 * lease among several nodes ({@link LeasedOwnership}).
 */
interface Ownership {

  /** Due timers this engine may arm, earliest first. */
  List<TimerRecord> acquireDue(Instant now, EngineConfig config);

  /**
   * Whether the last {@link #acquireDue} took as many timers as it could, so more may be due: then
   * the engine acquires again as soon as its runs drain, not only at the next interval.
   */
  boolean moreDue();

  /** How often {@link #acquireDue} runs. */
  Duration loadInterval(EngineConfig config);

  /**
   * The stored record if this engine may fire it now; re-read when the timer comes due, before it
   * is handed to a worker ({@link #mayStart} is the check right before the callback).
   */
  Optional<TimerRecord> verify(String id);

  /** Whether a timer this engine just inserted may be armed without acquiring it first. */
  boolean armsOwnInserts();

  /** How often {@link #renew} runs; null when there is nothing to renew. */
  Duration renewInterval();

  /** Extends this engine's hold on {@code held}; returns the ids it lost. */
  Set<String> renew(Collection<String> held);

  /** Starts notifications that call {@code wakeUp} when another node inserted a timer. */
  AutoCloseable listen(Runnable wakeUp);

  /** Gives up whatever this engine holds (after it stopped firing). */
  void release();

  /** Gives up the hold on {@code ids}, timers this engine cannot run, so others may take them. */
  void giveUp(Collection<String> ids);

  /** {@link #verify} for many timers at once: those this engine may fire now, keyed by id. */
  Map<String, TimerRecord> verifyAll(Collection<String> ids);

  /**
   * Whether the callback of {@code record}, verified when it came due, may start now; asked right
   * before it runs. A refusal gives up this engine's hold on the timer, which stays ACTIVE in the
   * store for whoever acquires it next (this engine included).
   */
  boolean mayStart(TimerRecord record);
}
