package io.persistenttimers.internal;

import io.persistenttimers.StoreException;

/** Tells store failures worth retrying (the database is away or busy) from refusals for good. */
final class StoreFailures {
  private StoreFailures() {}

  /**
   * True for a {@link StoreException} the store marked retryable (the default: unreachable, busy,
   * timed out); false for one it marked permanent (the statement or the data is refused) and for
   * any other exception, which is a bug in the store or the record and will not heal by waiting.
   */
  static boolean isTransient(Throwable error) {
    return error instanceof StoreException store && store.isRetryable();
  }
}
