package io.persistenttimers.cli;

import io.persistenttimers.spi.Store;
import io.persistenttimers.store.postgres.PostgresStore;
import io.persistenttimers.store.sqlite.SqliteStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Option;

/**
 * Where the timers live: {@code --db <file>} (SQLite) or {@code --store <kind>:<location>}. One of
 * the two is required: an operator tool that silently opened (or created) a default file would show
 * an empty store instead of the real one.
 *
 * <p>Store kinds are a closed list here ({@link Kind}); a kind is added with its opener, so the
 * MariaDB store slots in as {@code mariadb:<jdbc-url>} without touching the commands.
 */
final class StoreOptions {

  @ArgGroup(exclusive = true, multiplicity = "1")
  Where where;

  static final class Where {
    @Option(
        names = "--db",
        paramLabel = "<file>",
        description = "The SQLite database file of the timers.")
    Path db;

    @Option(
        names = "--store",
        paramLabel = "<kind:location>",
        description = {
          "Another store: postgres:<jdbc-url> (e.g. postgres:jdbc:postgresql://db:5432/app"
              + "?user=ops&currentSchema=timers) or sqlite:<file>."
        })
    String store;
  }

  /** The store kinds the CLI can open. */
  enum Kind {
    SQLITE("sqlite"),
    POSTGRES("postgres");

    final String prefix;

    Kind(String prefix) {
      this.prefix = prefix;
    }
  }

  Kind kind() {
    if (where.db != null) {
      return Kind.SQLITE;
    }
    int colon = where.store.indexOf(':');
    String prefix = colon < 0 ? "" : where.store.substring(0, colon).toLowerCase(Locale.ROOT);
    for (Kind kind : Kind.values()) {
      if (kind.prefix.equals(prefix)) {
        return kind;
      }
    }
    throw new Failure(
        Failure.BAD_ARGUMENTS,
        "--store must be postgres:<jdbc-url> or sqlite:<file>, not '"
            + (colon < 0 ? where.store : prefix + ":...")
            + "'");
  }

  private String location() {
    return where.store.substring(where.store.indexOf(':') + 1);
  }

  private Path sqliteFile() {
    return where.db != null ? where.db : Path.of(location());
  }

  /** A short name for messages; never the JDBC URL, which may hold a password. */
  String describe() {
    return switch (kind()) {
      case SQLITE -> "SQLite " + sqliteFile();
      case POSTGRES -> "PostgreSQL";
    };
  }

  /**
   * Opens the existing store. Nothing is created: a missing SQLite file is a bad argument, and a
   * PostgreSQL schema is not migrated (that is the host's deploy, not an operator's read).
   */
  Store open() {
    return switch (kind()) {
      case SQLITE -> openSqlite(sqliteFile());
      case POSTGRES -> openPostgres(location());
    };
  }

  private static Store openSqlite(Path file) {
    if (!Files.isRegularFile(file)) {
      throw new Failure(
          Failure.BAD_ARGUMENTS, "no timer database at " + file.toAbsolutePath() + " (--db)");
    }
    return SqliteStore.builder(file).createIfMissing(false).build();
  }

  private static Store openPostgres(String url) {
    if (!url.startsWith("jdbc:postgresql:")) {
      throw new Failure(
          Failure.BAD_ARGUMENTS,
          "--store postgres: needs a jdbc:postgresql: URL after 'postgres:'");
    }
    return PostgresStore.builder(url).migrate(false).build();
  }
}
