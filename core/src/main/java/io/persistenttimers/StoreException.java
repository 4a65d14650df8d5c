package io.persistenttimers;

/**
 * The store could not do what was asked: the database is unreachable, a statement failed, the
 * schema is from a newer version. Wraps every backend exception, so {@code SQLException} never
 * leaves a store. A schedule call that throws this persisted nothing.
 */
public class StoreException extends TimerException {
  private static final long serialVersionUID = 1L;

  /** Whether the same call may succeed later. */
  private final boolean retryable;

  /**
   * A failure that may pass if tried again (the database is unreachable, busy or timed out).
   *
   * @param message what failed, with the timer id where there is one
   */
  public StoreException(String message) {
    this(message, null, true);
  }

  /**
   * A failure that may pass if tried again (the database is unreachable, busy or timed out).
   *
   * @param message what failed, with the timer id where there is one
   * @param cause the backend exception
   */
  public StoreException(String message, Throwable cause) {
    this(message, cause, true);
  }

  /**
   * A failure that may or may not pass if tried again.
   *
   * @param message what failed, with the timer id where there is one
   * @param cause the backend exception
   * @param retryable false when the store refused the statement or the data for good (a constraint,
   *     a value out of range, a syntax or schema error): trying the same write again cannot succeed
   */
  public StoreException(String message, Throwable cause, boolean retryable) {
    super(message, cause);
    this.retryable = retryable;
  }

  /**
   * Whether the same call may succeed later. The engine retries the outcome of a run with backoff
   * while this is true, and stores the timer as QUARANTINED with the reason when it is false.
   *
   * @return true when trying again may succeed
   */
  public boolean isRetryable() {
    return retryable;
  }
}
