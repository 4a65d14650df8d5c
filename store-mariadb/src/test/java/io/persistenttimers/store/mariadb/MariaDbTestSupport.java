package io.persistenttimers.store.mariadb;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;

/**
 * The MariaDB (or MySQL) server the tests run against: {@code TIMERS_MARIADB_URL}, or the local
 * server. Every test pool sets an odd session {@code time_zone} so zone bugs show; the JVM runs in
 * America/Sao_Paulo (surefire).
 */
final class MariaDbTestSupport {
  private MariaDbTestSupport() {}

  /** The server, without a database: each test class creates and drops its own. */
  static final String SERVER =
      System.getenv().getOrDefault("TIMERS_MARIADB_URL", "jdbc:mariadb://127.0.0.1:3306/");

  static final String USER = System.getenv().getOrDefault("TIMERS_MARIADB_USER", "root");
  static final String PASSWORD = System.getenv().getOrDefault("TIMERS_MARIADB_PASSWORD", "");

  /** +05:45 (Nepal): nothing lines up with UTC or whole hours. */
  static final String SESSION_ZONE = "+05:45";

  private static volatile boolean reachable;

  /** Fails (never skips) with instructions when no server answers. */
  static void requireServer() {
    if (reachable) {
      return;
    }
    try (Connection c =
        DriverManager.getConnection(SERVER + "?connectTimeout=5000", USER, PASSWORD)) {
      reachable = c.isValid(5);
    } catch (SQLException e) {
      throw new AssertionError(
          "No MariaDB server answers at "
              + SERVER
              + " ("
              + e.getMessage()
              + "). Start the local server with `start-stop-daemon --start --oknodo --background"
              + " --exec /usr/sbin/mariadbd`, or point TIMERS_MARIADB_URL (and"
              + " TIMERS_MARIADB_USER / TIMERS_MARIADB_PASSWORD) at a server.",
          e);
    }
  }

  /** A JDBC URL for {@code database}. */
  static String url(String database) {
    return SERVER + database;
  }

  /** A small pool on {@code database} whose sessions use {@code zone}. */
  static HikariDataSource dataSource(String database, String zone, int size) {
    requireServer();
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(url(database));
    config.setUsername(USER);
    config.setPassword(PASSWORD);
    config.setMaximumPoolSize(size);
    config.setMinimumIdle(1);
    config.setConnectionInitSql("SET time_zone = '" + zone + "'");
    config.setPoolName("test-" + database);
    return new HikariDataSource(config);
  }

  /** A fresh, created database, unique across concurrent test runs. */
  static String newDatabase(String purpose) {
    String name =
        "pt_test_" + purpose + "_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    exec("CREATE DATABASE " + MariaDbStore.quoteIdentifier(name));
    return name;
  }

  static void dropDatabase(String database) {
    exec("DROP DATABASE IF EXISTS " + MariaDbStore.quoteIdentifier(database));
  }

  static void exec(String sql) {
    requireServer();
    try (Connection c = DriverManager.getConnection(SERVER, USER, PASSWORD);
        Statement s = c.createStatement()) {
      s.execute("SET time_zone = '" + SESSION_ZONE + "'");
      s.execute(sql);
    } catch (SQLException e) {
      throw new AssertionError("SQL failed: " + sql + ": " + e.getMessage(), e);
    }
  }

  static String queryString(String sql) {
    requireServer();
    try (Connection c = DriverManager.getConnection(SERVER, USER, PASSWORD);
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      return rs.next() ? rs.getString(1) : null;
    } catch (SQLException e) {
      throw new AssertionError("SQL failed: " + sql + ": " + e.getMessage(), e);
    }
  }
}
