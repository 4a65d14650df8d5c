package io.persistenttimers;

/** The base of every exception Persistent Timers throws on purpose. Unchecked. */
public abstract class TimerException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /**
   * An exception with a message.
   *
   * @param message what happened, with the timer id where there is one
   */
  protected TimerException(String message) {
    super(message);
  }

  /**
   * An exception with a message and a cause.
   *
   * @param message what happened, with the timer id where there is one
   * @param cause the underlying exception
   */
  protected TimerException(String message, Throwable cause) {
    super(message, cause);
  }
}
