package io.persistenttimers.spi;

/**
 * The right of one engine to run on a store, taken by {@link Store#lockForEngine} when a {@code
 * PersistentTimer} starts and closed when it closes.
 */
@FunctionalInterface
public interface EngineLock extends AutoCloseable {

  /**
   * The lock of a store that cannot tell whether another engine runs on it: holds nothing, so it
   * protects nothing.
   */
  EngineLock NONE = () -> {};

  /**
   * Releases the lock: another engine may take it as soon as this returns. Idempotent; reports
   * failures by logging, never by throwing.
   */
  @Override
  void close();
}
