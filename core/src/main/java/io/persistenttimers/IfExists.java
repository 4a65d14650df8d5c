package io.persistenttimers;

/**
 * What a schedule call with a caller-chosen id does when a timer with that id already exists.
 * Whatever is chosen, one id is always one timer.
 */
public enum IfExists {
  /** Keep the existing timer untouched and return its id: scheduling becomes idempotent. */
  KEEP,
  /** Replace the existing timer with the new one, atomically. */
  REPLACE,
  /** Refuse with {@link DuplicateTimerException}. */
  FAIL
}
