package io.persistenttimers.store.postgres;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;
import java.util.UUID;

/**
 * The PostgreSQL server the tests run against: {@code TIMERS_PG_URL}, or the local cluster. Every
 * test connection uses a non-UTC session time zone so zone bugs show: test pools set it with {@code
 * SET TIME ZONE}; plain driver connections get the JVM's zone (surefire runs the JVM in
 * America/Sao_Paulo), which PgJDBC sends as the session TimeZone.
 */
final class PgTestSupport {
  private PgTestSupport() {}

  static final String URL =
      System.getenv()
          .getOrDefault("TIMERS_PG_URL", "jdbc:postgresql://127.0.0.1:5432/test?user=postgres");

  /** A zone with a +12:45/+13:45 offset: nothing lines up with UTC or whole hours. */
  static final String SESSION_ZONE = "Pacific/Chatham";

  private static volatile boolean reachable;

  /** Fails (never skips) with instructions when no server answers. */
  static void requireServer() {
    if (reachable) {
      return;
    }
    Properties props = new Properties();
    props.setProperty("connectTimeout", "5");
    try (Connection c = DriverManager.getConnection(URL, props)) {
      reachable = c.isValid(5);
    } catch (SQLException e) {
      throw new AssertionError(
          "No PostgreSQL server answers at "
              + URL
              + " ("
              + e.getMessage()
              + "). Start the local cluster with `pg_ctlcluster --skip-systemctl-redirect"
              + " $(ls /etc/postgresql) main start`, or point TIMERS_PG_URL at a server"
              + " (e.g. jdbc:postgresql://host:5432/db?user=u&password=p).",
          e);
    }
  }

  /** A small pool whose sessions use {@code zone}. */
  static HikariDataSource dataSource(String zone, int size) {
    requireServer();
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(URL);
    config.setMaximumPoolSize(size);
    config.setMinimumIdle(1);
    config.setConnectionInitSql("SET TIME ZONE '" + zone + "'");
    config.setPoolName("test-" + zone);
    return new HikariDataSource(config);
  }

  /** A fresh schema name, unique across concurrent test runs. */
  static String newSchemaName(String purpose) {
    return "pt_test_"
        + purpose
        + "_"
        + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
  }

  static void dropSchema(String schema) {
    exec("DROP SCHEMA IF EXISTS " + PostgresStore.quoteIdentifier(schema) + " CASCADE");
  }

  static void exec(String sql) {
    requireServer();
    try (Connection c = DriverManager.getConnection(URL);
        Statement s = c.createStatement()) {
      s.execute("SET TIME ZONE '" + SESSION_ZONE + "'");
      s.execute(sql);
    } catch (SQLException e) {
      throw new AssertionError("SQL failed: " + sql + ": " + e.getMessage(), e);
    }
  }

  static String queryString(String sql) {
    requireServer();
    try (Connection c = DriverManager.getConnection(URL);
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      return rs.next() ? rs.getString(1) : null;
    } catch (SQLException e) {
      throw new AssertionError("SQL failed: " + sql + ": " + e.getMessage(), e);
    }
  }
}
