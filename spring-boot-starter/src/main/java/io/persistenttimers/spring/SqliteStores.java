package io.persistenttimers.spring;

import io.persistenttimers.store.sqlite.SqliteStore;
import javax.sql.DataSource;

/**
 * Opens a {@link SqliteStore} on a file or over the application's DataSource (which then keeps two
 * connections for the store's whole life). SQLite always migrates at open. Loaded only when used.
 */
final class SqliteStores {
  private SqliteStores() {}

  static PersistentTimersStore file(PersistentTimersProperties.Store settings) {
    SqliteStore store =
        SqliteStore.builder(settings.sqlitePath())
            .createIfMissing(settings.sqliteCreateIfMissing())
            .build();
    return PersistentTimersStore.of(store);
  }

  static PersistentTimersStore fromDataSource(
      DataSource ds, PersistentTimersProperties.Store settings) {
    SqliteStore store = SqliteStore.builder(ds).build();
    return PersistentTimersStore.joiningTransactions(store, ds, store::insert);
  }
}
