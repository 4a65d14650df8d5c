package io.persistenttimers;

/**
 * The store could not do what was asked: the database is unreachable, a statement failed, the
 * schema is from a newer version. Wraps every backend exception, so {@code SQLException} never
 * leaves a store. A schedule call that throws this persisted nothing.
 */
public class StoreException extends TimerException {
  private static final long serialVersionUID = 1L;

  public StoreException(String message) {
    super(message);
  }

  public StoreException(String message, Throwable cause) {
    super(message, cause);
  }
}
