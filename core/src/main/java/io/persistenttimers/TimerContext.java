package io.persistenttimers;

import io.persistenttimers.internal.Json;
import java.time.Instant;

/**
 * What a running callback knows about its timer.
 *
 * @param timer the stored record as it was when the run started
 * @param dueAt when this run was due
 * @param firedAt when the engine started this run
 * @param attempt 1 for the first attempt of this occurrence, 2 for the first retry, and so on
 */
public record TimerContext(TimerRecord timer, Instant dueAt, Instant firedAt, int attempt) {

  /**
   * The timer's id.
   *
   * @return the id
   */
  public String timerId() {
    return timer.id();
  }

  /**
   * The participant the timer is for.
   *
   * @return the participant id
   */
  public String participantId() {
    return timer.participantId();
  }

  /**
   * The host flow the timer belongs to.
   *
   * @return the flow type
   */
  public String flowType() {
    return timer.flowType();
  }

  /**
   * The callback type the timer was scheduled under.
   *
   * @return the callback type
   */
  public String callbackType() {
    return timer.callbackType();
  }

  /**
   * The params JSON text.
   *
   * @return the params as JSON text
   */
  public String params() {
    return timer.params();
  }

  /**
   * The params read into {@code type} with Jackson (unknown properties ignored).
   *
   * @param <T> the type to read into
   * @param type the class to read into
   * @return the params as a {@code T}
   * @throws IllegalArgumentException when the params do not fit {@code type}
   */
  public <T> T params(Class<T> type) {
    try {
      return Json.MAPPER.readValue(timer.params(), type);
    } catch (java.io.IOException e) {
      // The message of a Jackson error can quote params content; name only the type.
      throw new IllegalArgumentException(
          "params of timer '" + timer.id() + "' do not fit " + type.getName(), null);
    }
  }
}
