package io.persistenttimers.spring;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;

/** The local PostgreSQL the tests run against; each test uses a fresh schema of its own. */
final class Pg {
  static final String HOST = "127.0.0.1";
  static final int PORT = 5432;
  static final String URL = "jdbc:postgresql://" + HOST + ":" + PORT + "/test?user=postgres";

  private Pg() {}

  /** Creates a fresh schema; fails (never skips) when no server answers. */
  static String newSchema(String purpose) {
    String schema =
        "pt_boot_" + purpose + "_" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
    exec("CREATE SCHEMA " + schema);
    return schema;
  }

  static void dropSchema(String schema) {
    exec("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
  }

  /** A JDBC URL whose connections work in {@code schema}. */
  static String url(String schema) {
    return URL + "&currentSchema=" + schema;
  }

  /** As {@link #url}, through a local port (a {@link TcpProxy}). */
  static String url(String schema, int port) {
    return "jdbc:postgresql://"
        + HOST
        + ":"
        + port
        + "/test?user=postgres&currentSchema="
        + schema
        + "&connectTimeout=2&socketTimeout=5";
  }

  static void exec(String sql) {
    try (Connection c = DriverManager.getConnection(URL);
        Statement s = c.createStatement()) {
      s.execute(sql);
    } catch (SQLException e) {
      throw new AssertionError(
          "PostgreSQL at "
              + URL
              + " failed or is not running ("
              + e.getMessage()
              + "); start it with `pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql)"
              + " main start`",
          e);
    }
  }

  /** How many tables {@code schema} holds. */
  static long tableCount(String schema) {
    try (Connection c = DriverManager.getConnection(URL);
        java.sql.PreparedStatement ps =
            c.prepareStatement(
                "SELECT count(*) FROM information_schema.tables WHERE table_schema = ?")) {
      ps.setString(1, schema);
      try (java.sql.ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    } catch (SQLException e) {
      throw new AssertionError("PostgreSQL at " + URL + " failed: " + e.getMessage(), e);
    }
  }
}
