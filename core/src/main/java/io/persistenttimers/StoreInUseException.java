package io.persistenttimers;

/**
 * {@link PersistentTimer#start()} was refused because another engine is already running on the same
 * store: a single-node engine beside any other engine, or a single-node engine beside multi-node
 * ones. Two such engines would fire timers twice. The message names the store and what to do;
 * nothing was started, and {@code start()} may be called again once the other engine has closed.
 *
 * <p>Reading, listing and cancelling through the store (operator tools, a {@code PersistentTimer}
 * that is never started) are never refused.
 */
public class StoreInUseException extends TimerException {
  private static final long serialVersionUID = 1L;

  /**
   * A refused start.
   *
   * @param message names the store and what to do
   */
  public StoreInUseException(String message) {
    super(message);
  }
}
