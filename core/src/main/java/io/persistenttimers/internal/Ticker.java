package io.persistenttimers.internal;

import java.time.Instant;
import java.time.InstantSource;
import java.util.function.LongSupplier;

/**
 * Where the engine measures elapsed time (lease bookkeeping in multi-node mode), in nanoseconds
 * from an arbitrary origin. Instants still come only from the injected clock. With the default
 * system clock this is its monotonic twin, {@link System#nanoTime()}, which no wall-clock step can
 * move; with an injected clock it is that clock's own time line, so a test's manual clock drives
 * the lease arithmetic as well.
 */
public final class Ticker {
  private Ticker() {}

  /** The monotonic ticker of the system clock. */
  public static LongSupplier system() {
    return System::nanoTime;
  }

  /** Nanoseconds since the epoch by {@code clock} (fits a long until the year 2262). */
  public static LongSupplier of(InstantSource clock) {
    return () -> {
      Instant now = clock.instant();
      return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    };
  }
}
