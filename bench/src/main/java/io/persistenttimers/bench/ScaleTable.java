package io.persistenttimers.bench;

import io.persistenttimers.TimerRecord;
import io.persistenttimers.store.postgres.PostgresStore;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;

/**
 * The scale workload's PostgreSQL schema: created by the store's own migration, filled with {@code
 * COPY}, measured ({@code pg_total_relation_size}, index sizes, {@code EXPLAIN}) and dropped on
 * {@link #close()}.
 */
final class ScaleTable implements AutoCloseable {
  private static final int ROWS_PER_WRITE = 5_000;

  final String url;
  final String schema;
  final String table;

  ScaleTable(String url) {
    this.url = url;
    this.schema = "bench_scale_" + ProcessHandle.current().pid();
    this.table = schema + "." + Target.TABLE;
  }

  /** A store over the schema; the first one migrates (creates schema, table and indexes). */
  PostgresStore store(int poolSize, boolean migrate) {
    return PostgresStore.builder(url).schema(schema).poolSize(poolSize).migrate(migrate).build();
  }

  Connection connect() throws SQLException {
    return DriverManager.getConnection(url);
  }

  /**
   * Streams rows {@code from} (inclusive) to {@code to} (exclusive) into the table with one {@code
   * COPY … FROM STDIN}: every column as {@code template} encodes it (the engine's own validation
   * built it), except id, participant and due instant.
   */
  void copy(
      TimerRecord template,
      int from,
      int to,
      IntFunction<String> id,
      IntFunction<String> participant,
      IntFunction<Instant> due)
      throws SQLException {
    String middle = middle(template);
    String tail = tail(template);
    try (Connection c = connect()) {
      CopyIn copy =
          c.unwrap(PGConnection.class)
              .getCopyAPI()
              .copyIn(
                  "COPY " + table + " (" + Target.insertColumns() + ") FROM STDIN (FORMAT text)");
      try {
        StringBuilder sb = new StringBuilder(1 << 20);
        for (int i = from; i < to; i++) {
          sb.append(escape(id.apply(i)))
              .append('\t')
              .append(escape(participant.apply(i)))
              .append('\t')
              .append(middle)
              .append(due.apply(i))
              .append('\t')
              .append(tail)
              .append('\n');
          if ((i - from + 1) % ROWS_PER_WRITE == 0) {
            write(copy, sb);
          }
        }
        write(copy, sb);
        copy.endCopy();
      } finally {
        if (copy.isActive()) {
          copy.cancelCopy();
        }
      }
    }
  }

  private static void write(CopyIn copy, StringBuilder sb) throws SQLException {
    byte[] bytes = sb.toString().getBytes(StandardCharsets.UTF_8);
    copy.writeToCopy(bytes, 0, bytes.length);
    sb.setLength(0);
  }

  /** flow_type … schedule_json, followed by a tab (next_fire_at comes next). */
  private static String middle(TimerRecord r) {
    return cells(
            escape(r.flowType()),
            escape(r.callbackType()),
            escape(r.params()),
            Integer.toString(r.payloadVersion()),
            r.kind().name(),
            r.schedule() == null ? null : escape(r.schedule().toJson()))
        + "\t";
  }

  /** expires_at … updated_at, after next_fire_at. */
  private static String tail(TimerRecord r) {
    return cells(
        text(r.expiresAt()),
        escape(r.stateType()),
        escape(r.dataKey()),
        Integer.toString(r.attempt()),
        escape(r.lastError()),
        r.status().name(),
        Long.toString(r.version()),
        r.retryPolicy() == null ? null : escape(r.retryPolicy().toJson()),
        r.overduePolicy() == null ? null : r.overduePolicy().name(),
        text(r.lastFiredAt()),
        text(r.createdAt()),
        text(r.updatedAt()));
  }

  /** Tab-separated, null as COPY's {@code \N}. */
  private static String cells(String... cells) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < cells.length; i++) {
      sb.append(i == 0 ? "" : "\t").append(cells[i] == null ? "\\N" : cells[i]);
    }
    return sb.toString();
  }

  private static String text(Instant instant) {
    return instant == null ? null : instant.toString();
  }

  /** COPY text format: backslash, tab, newline and carriage return are escaped. */
  static String escape(String value) {
    if (value == null) {
      return null;
    }
    StringBuilder sb = new StringBuilder(value.length());
    for (int i = 0; i < value.length(); i++) {
      char ch = value.charAt(i);
      switch (ch) {
        case '\\' -> sb.append("\\\\");
        case '\t' -> sb.append("\\t");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        default -> sb.append(ch);
      }
    }
    return sb.toString();
  }

  /**
   * Drops every index but the primary key and returns their definitions, so a bulk load writes the
   * heap and the (sequential) primary key only; {@link #createIndexes} builds them again by
   * sorting.
   */
  List<String> dropSecondaryIndexes() throws SQLException {
    List<String> definitions = new ArrayList<>();
    List<String> names = new ArrayList<>();
    try (Connection c = connect();
        PreparedStatement ps =
            c.prepareStatement(
                "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.schemaname = ?"
                    + " AND i.tablename = ? AND i.indexname NOT IN (SELECT conname FROM"
                    + " pg_constraint WHERE contype = 'p')")) {
      ps.setString(1, schema);
      ps.setString(2, Target.TABLE);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          names.add(rs.getString(1));
          definitions.add(rs.getString(2));
        }
      }
      try (Statement s = c.createStatement()) {
        for (String name : names) {
          s.execute("DROP INDEX " + schema + "." + name);
        }
      }
    }
    return definitions;
  }

  void createIndexes(List<String> definitions, String maintenanceWorkMem) throws SQLException {
    try (Connection c = connect();
        Statement s = c.createStatement()) {
      s.execute("SET maintenance_work_mem = '" + maintenanceWorkMem + "'");
      for (String definition : definitions) {
        s.execute(definition);
      }
    }
  }

  void analyze() throws SQLException {
    try (Connection c = connect();
        Statement s = c.createStatement()) {
      s.execute("ANALYZE " + table);
    }
  }

  void vacuumAnalyze() throws SQLException {
    try (Connection c = connect();
        Statement s = c.createStatement()) {
      s.execute("VACUUM ANALYZE " + table);
    }
  }

  /** "table (heap) X MB, total Y MB; index a Z MB, …", sizes as PostgreSQL reports them. */
  List<String> sizes() throws SQLException {
    List<String> out = new ArrayList<>();
    try (Connection c = connect();
        PreparedStatement ps =
            c.prepareStatement(
                "SELECT pg_size_pretty(pg_total_relation_size(CAST(? AS regclass))),"
                    + " pg_size_pretty(pg_relation_size(CAST(? AS regclass))),"
                    + " pg_size_pretty(pg_indexes_size(CAST(? AS regclass)))")) {
      for (int i = 1; i <= 3; i++) {
        ps.setString(i, table);
      }
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        out.add(
            "pg_total_relation_size "
                + rs.getString(1)
                + " (heap "
                + rs.getString(2)
                + ", all indexes "
                + rs.getString(3)
                + ")");
      }
      try (PreparedStatement idx =
          c.prepareStatement(
              "SELECT indexrelname, pg_size_pretty(pg_relation_size(indexrelid)) FROM"
                  + " pg_stat_user_indexes WHERE schemaname = ? ORDER BY"
                  + " pg_relation_size(indexrelid) DESC")) {
        idx.setString(1, schema);
        List<String> parts = new ArrayList<>();
        try (ResultSet rs = idx.executeQuery()) {
          while (rs.next()) {
            parts.add(rs.getString(1).replace("persistent_timers_", "") + " " + rs.getString(2));
          }
        }
        out.add("indexes: " + String.join(", ", parts));
      }
    }
    return out;
  }

  /** The plan of {@code sql} with {@code EXPLAIN (ANALYZE, BUFFERS)}, one string per line. */
  List<String> explain(String sql) throws SQLException {
    List<String> plan = new ArrayList<>();
    try (Connection c = connect();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("EXPLAIN (ANALYZE, BUFFERS) " + sql)) {
      while (rs.next()) {
        plan.add(rs.getString(1));
      }
    }
    return plan;
  }

  /** Server version and the settings that decide what fits in memory. */
  String settings() throws SQLException {
    List<String> parts = new ArrayList<>();
    try (Connection c = connect();
        Statement s = c.createStatement()) {
      parts.add("PostgreSQL " + Target.one(s, "SHOW server_version").replaceAll(" .*", ""));
      for (String setting :
          List.of("shared_buffers", "work_mem", "effective_cache_size", "synchronous_commit")) {
        parts.add(setting + "=" + Target.one(s, "SHOW " + setting));
      }
    }
    return String.join(", ", parts);
  }

  @Override
  public void close() throws SQLException {
    try (Connection c = connect();
        Statement s = c.createStatement()) {
      s.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
    }
  }
}
