package io.persistenttimers;

/** The {@link PersistentTimer} was closed; it schedules and fires nothing more. */
public class TimerClosedException extends TimerException {
  private static final long serialVersionUID = 1L;

  /**
   * A call on a closed timer.
   *
   * @param message what was refused
   */
  public TimerClosedException(String message) {
    super(message);
  }
}
