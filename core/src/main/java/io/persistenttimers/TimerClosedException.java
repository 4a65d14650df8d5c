package io.persistenttimers;

/** The {@link PersistentTimer} was closed; it schedules and fires nothing more. */
public class TimerClosedException extends TimerException {
  private static final long serialVersionUID = 1L;

  public TimerClosedException(String message) {
    super(message);
  }
}
