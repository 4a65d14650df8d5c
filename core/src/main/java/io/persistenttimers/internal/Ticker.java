package io.persistenttimers.internal;

import java.time.Clock;
import java.time.Instant;
import java.time.InstantSource;
import java.util.function.LongSupplier;

/**
 * Where the engine measures elapsed time (lease bookkeeping in multi-node mode), in nanoseconds
 * from an arbitrary origin. Instants still come only from the injected clock. When that clock is
 * the system clock (in any zone) this is its monotonic twin, {@link System#nanoTime()}, which no
 * wall-clock step can move; any other clock is used as it is, so a test's manual clock drives the
 * lease arithmetic as well.
 */
public final class Ticker {
  private Ticker() {}

  /** The ticker that goes with {@code clock}. */
  public static LongSupplier of(InstantSource clock) {
    if (isSystem(clock)) {
      return System::nanoTime;
    }
    // Nanoseconds since the epoch fit a long until the year 2262.
    return () -> {
      Instant now = clock.instant();
      return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    };
  }

  static boolean isSystem(InstantSource clock) {
    return clock.equals(InstantSource.system())
        || (clock instanceof Clock c && c.equals(InstantSource.system().withZone(c.getZone())));
  }
}
