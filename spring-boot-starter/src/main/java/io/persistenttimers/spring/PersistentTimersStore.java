package io.persistenttimers.spring;

import io.persistenttimers.TimerRecord;
import io.persistenttimers.spi.Store;
import java.sql.Connection;
import java.util.Objects;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * The store the starter runs on, with what {@link TimerScheduler} needs to join the host's
 * transactions: the {@link DataSource} the store writes to and how the store inserts a timer on a
 * connection of the host's transaction. Declare a bean of this type to bring your own store.
 * Closing it closes the store (never the DataSource).
 */
public final class PersistentTimersStore implements AutoCloseable {

  /** Inserts a timer on the host's connection, inside its transaction, committing nothing. */
  @FunctionalInterface
  public interface HostTransactionInsert {
    /**
     * Inserts {@code record} on {@code connection} without committing.
     *
     * @param connection the connection of the host's open transaction
     * @param record the prepared record
     * @return true when inserted; false when a timer with this id exists (nothing changed)
     */
    boolean insert(Connection connection, TimerRecord record);
  }

  private final Store store;
  private final DataSource dataSource;
  private final HostTransactionInsert hostInsert;

  private PersistentTimersStore(Store store, DataSource dataSource, HostTransactionInsert insert) {
    this.store = Objects.requireNonNull(store, "store");
    this.dataSource = dataSource;
    this.hostInsert = insert;
  }

  /**
   * A store whose schedule calls never join a host transaction.
   *
   * @param store the store
   * @return the binding
   */
  public static PersistentTimersStore of(Store store) {
    return new PersistentTimersStore(store, null, null);
  }

  /**
   * A store that writes to {@code dataSource}: a schedule call inside a Spring transaction on that
   * DataSource inserts the timer with {@code insert} on the transaction's connection.
   *
   * @param store the store
   * @param dataSource the DataSource the store writes to
   * @param insert the store's host-transaction insert, such as {@code postgresStore::insert}
   * @return the binding
   */
  public static PersistentTimersStore joiningTransactions(
      Store store, DataSource dataSource, HostTransactionInsert insert) {
    return new PersistentTimersStore(
        store,
        Objects.requireNonNull(dataSource, "dataSource"),
        Objects.requireNonNull(insert, "insert"));
  }

  /**
   * The store.
   *
   * @return the store
   */
  public Store store() {
    return store;
  }

  /**
   * The DataSource whose transactions schedule calls join, if any.
   *
   * @return the DataSource, or empty when schedule calls never join a transaction
   */
  public Optional<DataSource> dataSource() {
    return Optional.ofNullable(dataSource);
  }

  HostTransactionInsert hostInsert() {
    return hostInsert;
  }

  /** Closes the store; a DataSource it runs on stays open. */
  @Override
  public void close() {
    store.close();
  }
}
