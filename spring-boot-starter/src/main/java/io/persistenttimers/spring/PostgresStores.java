package io.persistenttimers.spring;

import io.persistenttimers.store.postgres.PostgresStore;
import javax.sql.DataSource;

/** Opens a {@link PostgresStore} over the application's DataSource. Loaded only when used. */
final class PostgresStores {
  private PostgresStores() {}

  static PersistentTimersStore create(DataSource ds, PersistentTimersProperties.Store settings) {
    PostgresStore.Builder builder = PostgresStore.builder(ds).migrate(settings.migrate());
    if (settings.schema() != null) {
      builder.schema(settings.schema());
    }
    PostgresStore store = builder.build();
    return PersistentTimersStore.joiningTransactions(store, ds, store::insert);
  }
}
