package io.persistenttimers;

/** The base of every exception Persistent Timers throws on purpose. Unchecked. */
public abstract class TimerException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  protected TimerException(String message) {
    super(message);
  }

  protected TimerException(String message, Throwable cause) {
    super(message, cause);
  }
}
