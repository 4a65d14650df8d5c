package io.persistenttimers.store.postgres;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.awaitility.core.ConditionTimeoutException;

/**
 * Waits on an observed state, never on time: Awaitility with the state of the world in the failure
 * message.
 */
final class Poll {
  private Poll() {}

  /**
   * Returns once {@code condition} holds; fails with {@code what} and {@code state} after {@code
   * timeout}.
   */
  static void until(
      Duration timeout, String what, BooleanSupplier condition, Supplier<String> state) {
    try {
      await(what)
          .atMost(timeout)
          .pollInterval(Duration.ofMillis(20))
          .until(condition::getAsBoolean);
    } catch (ConditionTimeoutException e) {
      throw new AssertionError(
          "Timed out after " + timeout + " waiting for " + what + "; " + state.get(), e);
    }
  }

  /** Returns whether {@code condition} held before {@code timeout} passed. */
  static boolean within(Duration timeout, BooleanSupplier condition) {
    try {
      await().atMost(timeout).pollInterval(Duration.ofMillis(20)).until(condition::getAsBoolean);
      return true;
    } catch (ConditionTimeoutException e) {
      return false;
    }
  }

  static void until(Duration timeout, String what, BooleanSupplier condition) {
    until(timeout, what, condition, () -> "");
  }
}
