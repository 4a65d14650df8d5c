package io.persistenttimers.spring;

import io.persistenttimers.store.mariadb.MariaDbStore;
import javax.sql.DataSource;

/** Opens a {@link MariaDbStore} over the application's DataSource. Loaded only when used. */
final class MariaDbStores {
  private MariaDbStores() {}

  static PersistentTimersStore create(DataSource ds, PersistentTimersProperties.Store settings) {
    MariaDbStore.Builder builder = MariaDbStore.builder(ds).migrate(settings.migrate());
    if (settings.schema() != null) {
      builder.database(settings.schema());
    }
    MariaDbStore store = builder.build();
    return PersistentTimersStore.joiningTransactions(store, ds, store::insert);
  }
}
