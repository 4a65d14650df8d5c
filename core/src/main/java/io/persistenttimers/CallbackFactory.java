package io.persistenttimers;

/**
 * Turns a stored timer into the code to run. Registered per callback type, so timers recovered
 * after a restart are bound to the host's code by their stable type name, never by a class name.
 *
 * <p>A factory that throws rejects the record (for example params of an unknown payload version):
 * the timer is moved to {@link TimerStatus#QUARANTINED} with the reason, counted and reported, and
 * can be released once the host is fixed. It is never deleted for that.
 */
@FunctionalInterface
public interface CallbackFactory {

  /**
   * Makes the callback for one timer, reading what it needs from the record (params, payload
   * version, participant).
   *
   * @param record the stored timer, at the start of a run
   * @return the code to run, not null
   * @throws Exception to reject the record; the timer is quarantined with the reason
   */
  TimerCallback create(TimerRecord record) throws Exception;

  /**
   * A factory that returns the same stateless callback for every record.
   *
   * @param callback the callback to run for every timer of the type
   * @return the factory
   */
  static CallbackFactory of(TimerCallback callback) {
    if (callback == null) {
      throw new IllegalArgumentException("callback must not be null");
    }
    return record -> callback;
  }
}
