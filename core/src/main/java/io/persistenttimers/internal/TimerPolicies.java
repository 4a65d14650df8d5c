package io.persistenttimers.internal;

import io.persistenttimers.OverduePolicy;
import io.persistenttimers.RetryPolicy;
import io.persistenttimers.TimerKind;
import io.persistenttimers.TimerRecord;
import java.time.Instant;
import java.util.Optional;

/** A timer's own retry and overdue policies, or the engine's defaults, and its next occurrence. */
final class TimerPolicies {
  private final EngineConfig config;

  TimerPolicies(EngineConfig config) {
    this.config = config;
  }

  OverduePolicy overdue(TimerRecord record) {
    if (record.overduePolicy() != null) {
      return record.overduePolicy();
    }
    return record.kind() == TimerKind.ONCE
        ? config.defaultOverdueOnce()
        : config.defaultOverdueRecurring();
  }

  RetryPolicy retry(TimerRecord record) {
    return record.retryPolicy() != null ? record.retryPolicy() : config.defaultRetry();
  }

  /**
   * The occurrence after {@code due}, or empty when the schedule has no more. Throws when the
   * schedule cannot be evaluated (a hand-edited row); callers store that as QUARANTINED.
   */
  Optional<Instant> nextOccurrence(TimerRecord record, Instant due, Instant now) {
    Instant from = overdue(record) == OverduePolicy.FIRE_NOW || due.isAfter(now) ? due : now;
    return record.schedule().next(from);
  }
}
