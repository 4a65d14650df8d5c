package io.persistenttimers.store.mariadb;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Polls a condition until it holds or a deadline passes: waiting on an observed state, never on
 * time.
 */
final class Poll {
  private Poll() {}

  /**
   * Returns once {@code condition} holds; fails with {@code what} and {@code state} after {@code
   * timeout}.
   */
  static void until(
      Duration timeout, String what, BooleanSupplier condition, Supplier<String> state) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError(
            "Timed out after " + timeout + " waiting for " + what + "; " + state.get());
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
    }
  }

  /** Returns whether {@code condition} held before {@code timeout} passed. */
  static boolean within(Duration timeout, BooleanSupplier condition) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        return false;
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
    }
    return true;
  }

  static void until(Duration timeout, String what, BooleanSupplier condition) {
    until(timeout, what, condition, () -> "");
  }
}
