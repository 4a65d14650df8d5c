package io.persistenttimers.spring;

import io.persistenttimers.spring.PersistentTimersProperties.StoreType;
import java.sql.DatabaseMetaData;
import javax.sql.DataSource;
import org.springframework.jdbc.support.JdbcUtils;
import org.springframework.jdbc.support.MetaDataAccessException;
import org.springframework.util.ClassUtils;

/**
 * Picks and opens the store: from the application's DataSource (its database product decides), or
 * the SQLite file when there is none. Store classes are touched only in the branch that uses them,
 * so a host needs only the store module it runs on.
 */
final class StoreFactory {
  private StoreFactory() {}

  static PersistentTimersStore create(PersistentTimersProperties.Store settings, DataSource ds) {
    StoreType type = settings.type();
    if (type == StoreType.AUTO) {
      type = ds == null ? fileOrNothing(settings) : fromDatabase(ds, settings);
    }
    switch (type) {
      case POSTGRES:
        requireModule("io.persistenttimers.store.postgres.PostgresStore", "store-postgres");
        if (ds == null) {
          throw new IllegalStateException(
              "persistent-timers.store.type=postgres needs the application's DataSource"
                  + " (spring.datasource.url); none is defined");
        }
        return PostgresStores.create(ds, settings);
      case SQLITE:
        requireModule("io.persistenttimers.store.sqlite.SqliteStore", "store-sqlite");
        return settings.sqlitePath() != null
            ? SqliteStores.file(settings)
            : SqliteStores.fromDataSource(requireDataSource(ds), settings);
      case MARIADB:
        requireModule("io.persistenttimers.store.mariadb.MariaDbStore", "store-mariadb");
        if (ds == null) {
          throw new IllegalStateException(
              "persistent-timers.store.type=mariadb needs the application's DataSource"
                  + " (spring.datasource.url); none is defined");
        }
        return MariaDbStores.create(ds, settings);
      default:
        throw new IllegalStateException("unknown persistent-timers.store.type: " + type);
    }
  }

  private static StoreType fileOrNothing(PersistentTimersProperties.Store settings) {
    if (settings.sqlitePath() != null) {
      return StoreType.SQLITE;
    }
    throw new IllegalStateException(
        "Persistent Timers has no store: define the application's DataSource (PostgreSQL,"
            + " MariaDB, MySQL or SQLite, spring.datasource.url), or set persistent-timers.store.sqlite-path for an"
            + " SQLite file, or persistent-timers.enabled=false");
  }

  private static StoreType fromDatabase(DataSource ds, PersistentTimersProperties.Store settings) {
    String product;
    try {
      product = JdbcUtils.extractDatabaseMetaData(ds, DatabaseMetaData::getDatabaseProductName);
    } catch (MetaDataAccessException e) {
      throw new IllegalStateException(
          "Persistent Timers cannot tell which database the DataSource is (set"
              + " persistent-timers.store.type): "
              + e.getMessage(),
          e);
    }
    StoreType type;
    if ("PostgreSQL".equalsIgnoreCase(product)) {
      type = StoreType.POSTGRES;
    } else if ("SQLite".equalsIgnoreCase(product)) {
      type = StoreType.SQLITE;
    } else if ("MariaDB".equalsIgnoreCase(product) || "MySQL".equalsIgnoreCase(product)) {
      type = StoreType.MARIADB;
    } else {
      throw new IllegalStateException(
          "Persistent Timers has no store for the DataSource's database '"
              + product
              + "'; supported: PostgreSQL, MariaDB, MySQL, SQLite. Declare your own PersistentTimersStore bean, or"
              + " set persistent-timers.store.sqlite-path with persistent-timers.store.type=sqlite");
    }
    if (settings.sqlitePath() != null && type != StoreType.SQLITE) {
      throw new IllegalStateException(
          "persistent-timers.store.sqlite-path is set, but the application's DataSource is "
              + product
              + ": set persistent-timers.store.type=sqlite to keep the timers in the file, or"
              + " remove the path to keep them in "
              + product);
    }
    return type;
  }

  private static DataSource requireDataSource(DataSource ds) {
    if (ds == null) {
      throw new IllegalStateException(
          "persistent-timers.store.type=sqlite needs persistent-timers.store.sqlite-path or the"
              + " application's DataSource");
    }
    return ds;
  }

  private static void requireModule(String className, String module) {
    if (!ClassUtils.isPresent(className, StoreFactory.class.getClassLoader())) {
      throw new IllegalStateException(
          "Persistent Timers needs io.persistenttimers:persistent-timers-"
              + module
              + " on the classpath for this store; add it as a dependency");
    }
  }
}
