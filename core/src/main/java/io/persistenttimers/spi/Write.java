package io.persistenttimers.spi;

import io.persistenttimers.TimerRecord;

/**
 * One write of a batch handed to {@link Store#writeAll}. Each behaves exactly like the single
 * {@link Store} method of the same name.
 */
public sealed interface Write permits Write.Insert, Write.Update, Write.Delete {

  /**
   * The id of the timer written.
   *
   * @return the timer id
   */
  String id();

  /**
   * Performs this write alone through the single method of the same name.
   *
   * @param store the store to write to
   * @return whether the write took effect
   */
  boolean applyTo(Store store);

  /** As {@link Store#insert}: takes effect unless the id exists. */
  record Insert(TimerRecord record) implements Write {
    @Override
    public String id() {
      return record.id();
    }

    @Override
    public boolean applyTo(Store store) {
      return store.insert(record);
    }
  }

  /** As {@link Store#update}: takes effect when the stored version is {@code expectedVersion}. */
  record Update(TimerRecord next, long expectedVersion) implements Write {
    @Override
    public String id() {
      return next.id();
    }

    @Override
    public boolean applyTo(Store store) {
      return store.update(next, expectedVersion);
    }
  }

  /** As {@link Store#delete(String, long)}: takes effect when the stored version matches. */
  record Delete(String id, long expectedVersion) implements Write {
    @Override
    public boolean applyTo(Store store) {
      return store.delete(id, expectedVersion);
    }
  }
}
