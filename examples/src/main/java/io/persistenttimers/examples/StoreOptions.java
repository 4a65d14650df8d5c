package io.persistenttimers.examples;

import io.persistenttimers.spi.Store;
import io.persistenttimers.store.postgres.PostgresStore;
import io.persistenttimers.store.sqlite.SqliteStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import picocli.CommandLine.Option;

/** Where the timers live: {@code --db <file>} (SQLite, the default) or {@code --store <spec>}. */
final class StoreOptions {

  static final String DEFAULT_DB = "timers-demo.db";

  @Option(
      names = "--db",
      paramLabel = "<file>",
      description = "SQLite database file (default: ${DEFAULT-VALUE} in the working directory).",
      defaultValue = DEFAULT_DB)
  Path db;

  @Option(
      names = "--store",
      paramLabel = "<spec>",
      description =
          "Another store instead of --db: postgres:<jdbc-url> (e.g."
              + " postgres:jdbc:postgresql://127.0.0.1:5432/app?user=app) or sqlite:<file>.")
  String store;

  /** True when the timers live in PostgreSQL. */
  boolean isPostgres() {
    return store != null && store.startsWith("postgres:");
  }

  private Path sqliteFile() {
    if (store == null) {
      return db;
    }
    if (store.startsWith("sqlite:")) {
      return Path.of(store.substring("sqlite:".length()));
    }
    throw new Failure(
        Failure.BAD_ARGUMENTS,
        "--store must be postgres:<jdbc-url> or sqlite:<file>, not '" + store + "'");
  }

  /** A short name for messages; never the JDBC URL, which may hold a password. */
  String describe() {
    return isPostgres() ? "PostgreSQL" : "SQLite " + sqliteFile();
  }

  /**
   * The demo clock file beside the database: {@code <db>.clock} for SQLite, {@code
   * timers-demo.postgres.clock} in the working directory for PostgreSQL.
   */
  Path clockFile() {
    if (isPostgres()) {
      return Path.of("timers-demo.postgres.clock");
    }
    Path file = sqliteFile().toAbsolutePath();
    return file.resolveSibling(file.getFileName() + ".clock");
  }

  /**
   * Refuses, as a bad argument, a SQLite file whose directory does not exist: the host would fail
   * deep inside the clock file and the store with a stack trace instead.
   */
  void requireCreatableLocation() {
    if (isPostgres()) {
      return;
    }
    Path dir = sqliteFile().toAbsolutePath().getParent();
    if (dir != null && !Files.isDirectory(dir)) {
      throw new Failure(
          Failure.BAD_ARGUMENTS,
          "cannot create the demo database "
              + sqliteFile()
              + ": the directory "
              + dir
              + " does not exist");
    }
  }

  /**
   * Opens the store.
   *
   * @param mustExist refuse (instead of create) a SQLite file that does not exist yet
   */
  Store open(boolean mustExist, Clock clock) {
    if (isPostgres()) {
      String url = store.substring("postgres:".length());
      if (!url.startsWith("jdbc:postgresql:")) {
        throw new Failure(
            Failure.BAD_ARGUMENTS,
            "--store postgres: needs a jdbc:postgresql: URL after 'postgres:'");
      }
      return PostgresStore.builder(url).clock(clock).build();
    }
    Path file = sqliteFile();
    if (mustExist && !Files.exists(file)) {
      throw new Failure(
          Failure.BAD_ARGUMENTS,
          "no timer database at "
              + file.toAbsolutePath()
              + " (give --db <file> or --store <spec>)");
    }
    return SqliteStore.builder(file).createIfMissing(!mustExist).clock(clock).build();
  }
}
