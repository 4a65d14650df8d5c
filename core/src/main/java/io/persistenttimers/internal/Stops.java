package io.persistenttimers.internal;

import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayDeque;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What changed in this process lately, per timer, in the order of one counter: a timer stopped
 * (cancelled, replaced, lost to another node: every version of it) or a run that ended (its outcome
 * deleted or changed that version). A record read from the store before such a change is not
 * trusted to fire without a re-read (see {@link Window.Read}): a load or claim that read a timer
 * just before its run's outcome was written could otherwise fire it a second time.
 *
 * <p>Marks older than {@link Runner#FRESH_READ} are forgotten: a read that old is re-read anyway.
 */
final class Stops {
  private record Mark(String key, long count, Instant at) {}

  private final InstantSource clock;
  private final AtomicLong counter = new AtomicLong();
  private final ConcurrentHashMap<String, Long> marks = new ConcurrentHashMap<>();

  /** Marks in the order they were made, for forgetting the old ones; guarded by itself. */
  private final ArrayDeque<Mark> order = new ArrayDeque<>();

  Stops(InstantSource clock) {
    this.clock = clock;
  }

  /** The counter now: a read taken at this point trusts no change counted after it. */
  long now() {
    return counter.get();
  }

  /** Every version of {@code id} changed (cancel, replace, loss). */
  void stopped(String id) {
    mark("*:" + id);
  }

  /** The run of this version of {@code id} ended. */
  void ended(String id, long version) {
    mark(version + ":" + id);
  }

  /** Whether {@code id} at {@code version} changed here after the counter read {@code since}. */
  boolean changedSince(long since, String id, long version) {
    Long any = marks.get("*:" + id);
    if (any != null && any > since) {
      return true;
    }
    Long own = marks.get(version + ":" + id);
    return own != null && own > since;
  }

  private void mark(String key) {
    long count = counter.incrementAndGet();
    marks.merge(key, count, Math::max);
    Instant now = clock.instant();
    Instant forget = now.minus(Runner.FRESH_READ).minus(Runner.FRESH_READ);
    synchronized (order) {
      order.addLast(new Mark(key, count, now));
      Mark head;
      while ((head = order.peekFirst()) != null && head.at().isBefore(forget)) {
        order.pollFirst();
        marks.remove(head.key(), head.count());
      }
    }
  }
}
