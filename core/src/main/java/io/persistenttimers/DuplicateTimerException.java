package io.persistenttimers;

/** A schedule call with {@link IfExists#FAIL} found a timer with the same id. */
public class DuplicateTimerException extends TimerException {
  private static final long serialVersionUID = 1L;

  /** The id that was already taken. */
  private final String timerId;

  /**
   * A refused schedule call.
   *
   * @param timerId the id that was already taken
   */
  public DuplicateTimerException(String timerId) {
    super("a timer with id '" + timerId + "' already exists (IfExists.FAIL)");
    this.timerId = timerId;
  }

  /**
   * The id that was already taken.
   *
   * @return the timer id
   */
  public String timerId() {
    return timerId;
  }
}
