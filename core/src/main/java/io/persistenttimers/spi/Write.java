package io.persistenttimers.spi;

import io.persistenttimers.TimerRecord;
import java.util.Objects;

/**
 * One write of a batch handed to {@link Store#writeAll}: the only way a store's records change,
 * apart from the operator's {@link Store#remove} and {@link Store#purge}.
 */
public sealed interface Write permits Write.Insert, Write.Update, Write.Delete {

  /**
   * Stores a new record; takes effect unless a record with the same id exists.
   *
   * @param record the record to store
   * @return the write
   */
  static Write insert(TimerRecord record) {
    return new Insert(record);
  }

  /**
   * Replaces the stored record with {@code next}; takes effect only when the stored version is
   * {@code expectedVersion}. The engine always passes {@code next.version() == expectedVersion +
   * 1}.
   *
   * @param next the record to store in place of the current one
   * @param expectedVersion the version the stored record must have
   * @return the write
   */
  static Write update(TimerRecord next, long expectedVersion) {
    return new Update(next, expectedVersion);
  }

  /**
   * Deletes the record; takes effect only when its stored version is {@code expectedVersion}.
   *
   * @param id the timer id
   * @param expectedVersion the version the stored record must have
   * @return the write
   */
  static Write delete(String id, long expectedVersion) {
    return new Delete(id, expectedVersion);
  }

  /**
   * The id of the timer written.
   *
   * @return the timer id
   */
  String id();

  /**
   * An insert: takes effect unless the id exists.
   *
   * @param record the record to store
   */
  record Insert(TimerRecord record) implements Write {
    /**
     * Checks the record is there.
     *
     * @param record the record to store
     */
    public Insert {
      Objects.requireNonNull(record, "record");
    }

    @Override
    public String id() {
      return record.id();
    }
  }

  /**
   * A compare-and-set replacement: takes effect when the stored version is {@code expectedVersion}.
   *
   * @param next the record to store
   * @param expectedVersion the version the stored record must have
   */
  record Update(TimerRecord next, long expectedVersion) implements Write {
    /**
     * Checks the record is there.
     *
     * @param next the record to store
     * @param expectedVersion the version the stored record must have
     */
    public Update {
      Objects.requireNonNull(next, "next");
    }

    @Override
    public String id() {
      return next.id();
    }
  }

  /**
   * A compare-and-set delete: takes effect when the stored version is {@code expectedVersion}.
   *
   * @param id the timer id
   * @param expectedVersion the version the stored record must have
   */
  record Delete(String id, long expectedVersion) implements Write {
    /**
     * Checks the id is there.
     *
     * @param id the timer id
     * @param expectedVersion the version the stored record must have
     */
    public Delete {
      Objects.requireNonNull(id, "id");
    }
  }
}
