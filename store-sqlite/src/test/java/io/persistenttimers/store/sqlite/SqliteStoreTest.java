package io.persistenttimers.store.sqlite;

import io.persistenttimers.spi.Store;
import io.persistenttimers.testkit.StoreContract;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** The shared store contract, on a new SQLite file per test. */
class SqliteStoreTest extends StoreContract {

  @TempDir Path dir;
  private Path file;

  @Override
  protected Store newStore() throws Exception {
    file = Files.createTempFile(dir, "timers-", ".db");
    return SqliteStore.open(file);
  }

  /** A second store on the same file, as another process would open it. */
  @Override
  protected Store openSameStorage() {
    return SqliteStore.open(file);
  }
}
