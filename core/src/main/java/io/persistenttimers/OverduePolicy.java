package io.persistenttimers;

/**
 * What happens to a timer found overdue when the engine loads it, typically after downtime. A timer
 * counts as overdue when its due time lies further in the past than the engine's overdue threshold
 * ({@link PersistentTimer.Builder#overdueThreshold}).
 *
 * <p>Independently of this policy, a timer whose {@link TimerRecord#expiresAt()} has passed is
 * dropped instead of fired.
 */
public enum OverduePolicy {
  /**
   * Fire as soon as possible. For a recurring timer every missed occurrence fires, in order (catch
   * up). The default for one-shot timers.
   */
  FIRE_NOW,
  /**
   * Fire once for all missed occurrences, then continue with the first occurrence after now. The
   * default for recurring timers; for a one-shot timer it is the same as {@link #FIRE_NOW}.
   */
  COALESCE,
  /**
   * Do not fire missed occurrences: a recurring timer moves on to its first occurrence after now, a
   * one-shot timer is deleted and reported as dropped.
   */
  SKIP,
  /** Delete the overdue timer and report it as dropped. */
  DROP
}
