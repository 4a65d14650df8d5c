package io.persistenttimers;

/** A schedule call with {@link IfExists#FAIL} found a timer with the same id. */
public class DuplicateTimerException extends TimerException {
  private static final long serialVersionUID = 1L;
  private final String timerId;

  public DuplicateTimerException(String timerId) {
    super("a timer with id '" + timerId + "' already exists (IfExists.FAIL)");
    this.timerId = timerId;
  }

  /** The id that was already taken. */
  public String timerId() {
    return timerId;
  }
}
