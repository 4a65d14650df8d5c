package io.persistenttimers.store.postgres;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.persistenttimers.StoreException;
import io.persistenttimers.StoreInUseException;
import io.persistenttimers.TimerQuery;
import io.persistenttimers.TimerRecord;
import io.persistenttimers.TimerStatus;
import io.persistenttimers.spi.ClaimingStore;
import io.persistenttimers.spi.EngineLock;
import io.persistenttimers.spi.Store;
import io.persistenttimers.spi.Write;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.Driver;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.function.Consumer;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.argument.Argument;
import org.jdbi.v3.core.statement.Query;
import org.jdbi.v3.core.statement.StatementExceptions;
import org.postgresql.ds.PGSimpleDataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link Store} in PostgreSQL: the durable store for one or many application nodes sharing a
 * database.
 *
 * <p>Timers live in the table {@code persistent_timers} of one schema (by default the connection's
 * current schema). The store creates and upgrades that table itself with Flyway when it is built
 * (see {@link #migrate()}); its migration history is kept in {@code timers_schema_history}, so it
 * coexists with a host's own Flyway history in the same schema.
 *
 * <pre>{@code
 * Store store = PostgresStore.builder(dataSource).schema("timers").build();
 * // or, with a small connection pool the store owns and closes:
 * Store store = PostgresStore.fromUrl("jdbc:postgresql://db/app?user=app");
 * }</pre>
 *
 * <p>Every method is one statement in its own transaction, so each call is atomic and committed on
 * return; {@link #update} and {@link #delete(String, long)} compare and set on {@code version}.
 * Instants are stored as {@code timestamptz}, so neither the session time zone nor the JVM's
 * default zone changes what is stored. Failures surface as {@link StoreException} naming the
 * operation and the timer id; params never appear in exceptions nor in logs above DEBUG.
 *
 * <p>A row that cannot be decoded (a corrupt schedule, an unknown status or kind) is marked {@link
 * TimerStatus#QUARANTINED} with the reason in {@code last_error} and its version raised by one; its
 * data is left as it is, a warning names its id, and it is omitted from the call that met it.
 * {@link #count} counts rows as stored, including such rows. {@link #delete(String)} deletes an
 * unreadable row too and then returns empty.
 *
 * <p><b>Bounded waits.</b> For a store built from a JDBC URL, one call of the store returns or
 * throws a {@link StoreException} within {@code connectionTimeout + socketTimeout} (plus the time
 * the statement itself runs, at most {@code statementTimeout}, when the server answers slowly
 * rather than not at all): waiting for a connection is bounded by {@link
 * Builder#connectionTimeout}, connecting and logging in too, and a stalled network by {@link
 * Builder#socketTimeout}. A schedule call may wait for one group commit already in progress before
 * its own, so it returns or throws within twice that: with the defaults (10 s, 30 s) 80 s, with
 * {@code connectionTimeout} 1 s and {@code socketTimeout} 1 s 4 s. While the server refuses
 * connections, a call fails after {@code connectionTimeout} (a schedule call after at most twice
 * that). Over a caller's {@code DataSource} the same holds with that pool's settings: set its
 * connection timeout and PgJDBC's {@code socketTimeout} there.
 *
 * <p>To schedule inside the host's own transaction use {@link #insert(Connection, TimerRecord)} or
 * {@link #insert(Handle, TimerRecord)}.
 *
 * <p><b>One engine per schema unless multi-node.</b> A started {@code PersistentTimer} holds an
 * advisory lock keyed by schema and table on a connection of its own (see {@link #lockForEngine}):
 * exclusive in single-node mode, shared in multi-node mode, so any number of multi-node engines
 * share a schema but a single-node engine runs alone on it. Reading and cancelling through a store
 * (operator tools) takes no lock.
 *
 * <p>Thread-safe.
 */
public final class PostgresStore implements ClaimingStore {

  private static final Logger LOG = LoggerFactory.getLogger(PostgresStore.class);

  /** Where the migrations live on the class path. */
  public static final String MIGRATION_LOCATION =
      "classpath:io/persistenttimers/store/postgres/migration";

  /**
   * The Flyway history table of this library, distinct from a host's {@code flyway_schema_history}.
   */
  public static final String HISTORY_TABLE = "timers_schema_history";

  /** The table timers are stored in, inside the store's schema. */
  public static final String TABLE = "persistent_timers";

  /**
   * The largest instant PostgreSQL's timestamptz holds (294276 AD); later bounds mean "infinity".
   */
  private static final Instant PG_MAX = Instant.parse("+294276-12-31T23:59:59.999Z");

  /**
   * The earliest instant PostgreSQL's timestamptz holds (4713 BC); earlier bounds mean "-infinity".
   */
  private static final Instant PG_MIN = Instant.parse("-4712-01-01T00:00:00Z");

  private final DataSource dataSource;

  /** What Flyway runs on: unpooled connections for an owned pool, else the caller's DataSource. */
  private final DataSource migrationSource;

  private final HikariDataSource ownedPool;
  private final String schema;
  private final String table;
  private final Clock clock;
  private final Jdbi jdbi;
  private final String insertSql;
  private final String updateSql;
  private final boolean notifyOnInsert;

  /** The LISTEN/NOTIFY channel of this store's table (identifiers are at most 63 bytes). */
  private final String channel;

  /** Dedicated (unpooled) connections for engine locks; null when none could be derived. */
  private final AdvisoryEngineLock.Connections lockConnections;

  private final Duration engineLockCheck;

  private PostgresStore(
      DataSource dataSource,
      DataSource migrationSource,
      HikariDataSource ownedPool,
      String schema,
      Clock clock,
      boolean notifyOnInsert,
      AdvisoryEngineLock.Connections lockConnections,
      Duration engineLockCheck) {
    this.lockConnections = lockConnections;
    this.engineLockCheck = engineLockCheck;
    this.dataSource = dataSource;
    this.migrationSource = migrationSource;
    this.ownedPool = ownedPool;
    this.schema = schema;
    this.table = quoteIdentifier(schema) + "." + TABLE;
    this.clock = clock;
    this.notifyOnInsert = notifyOnInsert;
    this.channel = channelName(schema);
    this.jdbi = Jdbi.create(dataSource);
    // Jdbi's messages may render bound arguments (params); keep them out of exceptions.
    jdbi.getConfig(StatementExceptions.class)
        .setMessageRendering(StatementExceptions.MessageRendering.NONE);
    this.insertSql =
        "INSERT INTO "
            + table
            + " (id, participant_id, flow_type, callback_type, callback_params, payload_version,"
            + " timer_type, schedule_json, next_fire_at, expires_at, state_type, data_key,"
            + " attempt, last_error, status, version, retry_policy, overdue_policy,"
            + " last_fired_at, created_at, updated_at)"
            + " VALUES (?, ?, ?, ?, ?, ?, ?, CAST(? AS jsonb), ?, ?, ?, ?, ?, ?, ?, ?,"
            + " CAST(? AS jsonb), ?, ?, ?, ?)"
            + " ON CONFLICT (id) DO NOTHING";
    this.updateSql =
        "UPDATE "
            + table
            + " SET participant_id = ?, flow_type = ?, callback_type = ?, callback_params = ?,"
            + " payload_version = ?, timer_type = ?, schedule_json = CAST(? AS jsonb),"
            + " next_fire_at = ?, expires_at = ?, state_type = ?, data_key = ?, attempt = ?,"
            + " last_error = ?, status = ?, version = ?, retry_policy = CAST(? AS jsonb),"
            + " overdue_policy = ?, last_fired_at = ?, created_at = ?, updated_at = ?"
            + " WHERE id = ? AND version = ?";
  }

  /**
   * A builder over a {@link DataSource} the caller owns: the store never closes it. Migrations
   * (Flyway) hold two connections at once, so a pool behind it needs at least two.
   *
   * @param dataSource connections to the PostgreSQL database
   * @return a new builder
   */
  public static Builder builder(DataSource dataSource) {
    return new Builder(Objects.requireNonNull(dataSource, "dataSource"), null);
  }

  /**
   * A builder over a JDBC URL: the store creates a small HikariCP pool for it and closes the pool
   * in {@link #close()}.
   *
   * @param jdbcUrl a {@code jdbc:postgresql:} URL
   * @return a new builder
   */
  public static Builder builder(String jdbcUrl) {
    Objects.requireNonNull(jdbcUrl, "jdbcUrl");
    if (!jdbcUrl.startsWith("jdbc:postgresql:")) {
      throw new IllegalArgumentException("jdbcUrl must start with jdbc:postgresql:");
    }
    return new Builder(null, jdbcUrl);
  }

  /**
   * A store over a JDBC URL with a pool of its own, in the connection's current schema, migrated.
   * Same as {@code builder(jdbcUrl).build()}.
   *
   * @param jdbcUrl a {@code jdbc:postgresql:} URL
   * @return the open store; the caller closes it
   * @throws StoreException when the database cannot be reached or migrated
   */
  public static PostgresStore fromUrl(String jdbcUrl) {
    return builder(jdbcUrl).build();
  }

  /**
   * The schema holding this store's table.
   *
   * @return the schema name
   */
  public String schema() {
    return schema;
  }

  /**
   * Creates or upgrades this store's table with Flyway. Runs at {@link Builder#build()} unless
   * disabled; running it again is a no-op.
   *
   * @return how many migrations were applied (0 when the schema was up to date)
   * @throws StoreException when a migration fails (it is rolled back)
   */
  public int migrate() {
    return migrate(migrationSource, schema);
  }

  private static int migrate(DataSource dataSource, String schema) {
    try {
      Flyway flyway =
          Flyway.configure(PostgresStore.class.getClassLoader())
              .dataSource(dataSource)
              .schemas(schema)
              .createSchemas(true)
              .table(HISTORY_TABLE)
              .locations(MIGRATION_LOCATION)
              .failOnMissingLocations(true)
              // A schema that already holds the host's tables has no history of ours yet.
              .baselineOnMigrate(true)
              .baselineVersion("0")
              .load();
      int applied = flyway.migrate().migrationsExecuted;
      if (applied > 0) {
        LOG.info("Persistent Timers: applied {} migration(s) to schema {}", applied, schema);
      }
      return applied;
    } catch (RuntimeException e) {
      throw StoreErrors.wrap("migration of schema '" + schema + "'", e);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Writes

  /**
   * {@inheritDoc}
   *
   * @throws StoreException when the statement fails, for example when params are not JSON
   */
  @Override
  public boolean insert(TimerRecord record) {
    Objects.requireNonNull(record, "record");
    return write("insert of timer '" + record.id() + "'", h -> insertOn(h.getConnection(), record));
  }

  /**
   * Inserts {@code record} in the host's open transaction on {@code hostConnection}, without
   * committing, rolling back or closing anything: the timer exists once the host commits and not at
   * all if it rolls back. The caller arms the timer only after its commit. On a connection in
   * auto-commit mode the insert commits at once.
   *
   * <p>A failure throws {@link StoreException}; in PostgreSQL the host's transaction is then
   * aborted and must be rolled back.
   *
   * @return true when inserted; false when a record with this id exists (nothing changed)
   * @param hostConnection the host's connection, in its transaction
   * @param record the record to insert, from {@code PersistentTimer.prepareAfter} and its kin
   */
  public boolean insert(Connection hostConnection, TimerRecord record) {
    Objects.requireNonNull(hostConnection, "hostConnection");
    Objects.requireNonNull(record, "record");
    try {
      return insertOn(hostConnection, record);
    } catch (SQLException | RuntimeException e) {
      throw StoreErrors.wrap("insert of timer '" + record.id() + "' in the host transaction", e);
    }
  }

  /**
   * Inserts {@code record} in the host's open Jdbi transaction on {@code hostHandle}, without
   * committing: as {@link #insert(Connection, TimerRecord)} on the handle's connection.
   *
   * @return true when inserted; false when a record with this id exists (nothing changed)
   * @param hostHandle the host's Jdbi handle, in its transaction
   * @param record the record to insert
   */
  public boolean insert(Handle hostHandle, TimerRecord record) {
    Objects.requireNonNull(hostHandle, "hostHandle");
    return insert(hostHandle.getConnection(), record);
  }

  private boolean insertOn(Connection connection, TimerRecord record) throws SQLException {
    boolean inserted;
    try (PreparedStatement ps = connection.prepareStatement(insertSql)) {
      ps.setString(1, record.id());
      bindData(ps, 2, record);
      inserted = ps.executeUpdate() == 1;
    }
    if (inserted) {
      notifyInserted(connection);
    }
    return inserted;
  }

  /**
   * Tells listening nodes that a timer was inserted; delivered when the transaction commits, and
   * once per transaction however many inserts it holds.
   */
  private void notifyInserted(Connection connection) throws SQLException {
    if (!notifyOnInsert) {
      return;
    }
    try (PreparedStatement ps = connection.prepareStatement("SELECT pg_notify(?, '')")) {
      ps.setString(1, channel);
      ps.execute();
    }
  }

  /** {@inheritDoc} */
  @Override
  public boolean update(TimerRecord next, long expectedVersion) {
    Objects.requireNonNull(next, "next");
    return write(
        "update of timer '" + next.id() + "' at version " + expectedVersion,
        h -> updateOn(h.getConnection(), next, expectedVersion));
  }

  private boolean updateOn(Connection connection, TimerRecord next, long expectedVersion)
      throws SQLException {
    try (PreparedStatement ps = connection.prepareStatement(updateSql)) {
      int i = bindData(ps, 1, next);
      ps.setString(i++, next.id());
      ps.setLong(i, expectedVersion);
      return ps.executeUpdate() == 1;
    }
  }

  /** {@inheritDoc} */
  @Override
  public boolean delete(String id, long expectedVersion) {
    Objects.requireNonNull(id, "id");
    return write(
        "delete of timer '" + id + "' at version " + expectedVersion,
        h -> deleteOn(h.getConnection(), id, expectedVersion));
  }

  private boolean deleteOn(Connection connection, String id, long expectedVersion)
      throws SQLException {
    try (PreparedStatement ps =
        connection.prepareStatement("DELETE FROM " + table + " WHERE id = ? AND version = ?")) {
      ps.setString(1, id);
      ps.setLong(2, expectedVersion);
      return ps.executeUpdate() == 1;
    }
  }

  /**
   * The whole batch in one transaction: one commit (one WAL flush) for many writes. Each write is
   * its own statement, so the per-write results of {@link io.persistenttimers.spi.Write} hold.
   */
  @Override
  public List<Boolean> writeAll(List<Write> writes) {
    Objects.requireNonNull(writes, "writes");
    if (writes.isEmpty()) {
      return List.of();
    }
    return write(
        "batch of " + writes.size() + " writes starting with timer '" + writes.get(0).id() + "'",
        h -> {
          Connection connection = h.getConnection();
          List<Boolean> results = new ArrayList<>(writes.size());
          // Consecutive writes of one kind go to the server as one JDBC batch (one round trip);
          // keeping runs in order preserves "later writes see earlier ones".
          int start = 0;
          while (start < writes.size()) {
            Class<?> kind = writes.get(start).getClass();
            int end = start;
            while (end < writes.size() && writes.get(end).getClass() == kind) {
              end++;
            }
            executeRun(connection, writes.subList(start, end), results);
            start = end;
          }
          return results;
        });
  }

  private void executeRun(Connection connection, List<Write> run, List<Boolean> results)
      throws SQLException {
    Write first = run.get(0);
    String sql =
        first instanceof Write.Insert
            ? insertSql
            : first instanceof Write.Update
                ? updateSql
                : "DELETE FROM " + table + " WHERE id = ? AND version = ?";
    try (PreparedStatement ps = connection.prepareStatement(sql)) {
      for (Write w : run) {
        if (w instanceof Write.Insert insert) {
          ps.setString(1, insert.id());
          bindData(ps, 2, insert.record());
        } else if (w instanceof Write.Update update) {
          int i = bindData(ps, 1, update.next());
          ps.setString(i++, update.id());
          ps.setLong(i, update.expectedVersion());
        } else {
          Write.Delete delete = (Write.Delete) w;
          ps.setString(1, delete.id());
          ps.setLong(2, delete.expectedVersion());
        }
        ps.addBatch();
      }
      boolean anyInserted = false;
      for (int count : ps.executeBatch()) {
        results.add(count == 1);
        anyInserted |= count == 1 && first instanceof Write.Insert;
      }
      if (anyInserted) {
        notifyInserted(connection);
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Multi-node: leases (see ClaimingStore). Every lease is judged by the database's now().

  /** {@inheritDoc} */
  @Override
  public List<TimerRecord> claimDue(String node, Instant before, int limit, Duration lease) {
    Objects.requireNonNull(node, "node");
    Objects.requireNonNull(before, "before");
    if (limit < 1) {
      throw new IllegalArgumentException("limit must be >= 1: " + limit);
    }
    // Taking a timer from another node bumps its version (the fencing token) and lease epoch;
    // re-claiming one's own or an unowned timer keeps the version, so armed timers stay valid.
    String sql =
        "UPDATE "
            + table
            + " SET version = CASE WHEN owner IS NULL OR owner = :node THEN version ELSE version + 1 END,"
            + " lease_epoch = CASE WHEN owner IS NULL OR owner = :node THEN lease_epoch"
            + " ELSE lease_epoch + 1 END,"
            + " owner = :node, lease_until = now() + make_interval(secs => :lease)"
            + " WHERE id IN (SELECT id FROM "
            + table
            + " WHERE status = 'ACTIVE' AND next_fire_at < :before"
            + " AND (owner IS NULL OR owner = :node OR lease_until < now())"
            + " ORDER BY next_fire_at, id LIMIT :limit FOR UPDATE SKIP LOCKED)"
            + " RETURNING "
            + RawTimerRow.COLUMNS;
    List<RawTimerRow> rows =
        write(
            "claim of due timers for node '" + node + "'",
            h ->
                h.createQuery(sql)
                    .bind("node", node)
                    .bind("lease", lease.toMillis() / 1000.0)
                    .bind("before", timestamp(ceilMillis(before)))
                    .bind("limit", limit)
                    .map(RawTimerRow.MAPPER)
                    .list());
    List<TimerRecord> claimed = new ArrayList<>(rows.size());
    for (RawTimerRow row : rows) {
      decodeOrQuarantine(row).ifPresent(claimed::add);
    }
    claimed.sort(Comparator.comparing(TimerRecord::nextFireAt).thenComparing(TimerRecord::id));
    return claimed;
  }

  /** {@inheritDoc} */
  @Override
  public Set<String> renewLeases(String node, Collection<String> ids, Duration lease) {
    Objects.requireNonNull(node, "node");
    if (ids.isEmpty()) {
      return Set.of();
    }
    String[] array = ids.toArray(String[]::new);
    return new HashSet<>(
        write(
            "renewal of " + array.length + " leases of node '" + node + "'",
            h ->
                h.createQuery(
                        "UPDATE "
                            + table
                            + " SET lease_until = now() + make_interval(secs => :lease)"
                            + " WHERE owner = :node AND id = ANY(:ids) RETURNING id")
                    .bind("lease", lease.toMillis() / 1000.0)
                    .bind("node", node)
                    .bindArray("ids", String.class, (Object[]) array)
                    .mapTo(String.class)
                    .list()));
  }

  /** {@inheritDoc} */
  @Override
  public Optional<TimerRecord> getIfOwned(String id, String node) {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(node, "node");
    Optional<RawTimerRow> row =
        read(
            "owned get of timer '" + id + "'",
            h ->
                h.createQuery(
                        "SELECT "
                            + RawTimerRow.COLUMNS
                            + " FROM "
                            + table
                            + " WHERE id = :id AND owner = :node AND lease_until > now()")
                    .bind("id", id)
                    .bind("node", node)
                    .map(RawTimerRow.MAPPER)
                    .findOne());
    return row.flatMap(this::decodeOrQuarantine);
  }

  /** {@inheritDoc} */
  @Override
  public int releaseLeases(String node) {
    Objects.requireNonNull(node, "node");
    return write(
        "release of the leases of node '" + node + "'",
        h ->
            h.createUpdate(
                    "UPDATE " + table + " SET owner = NULL, lease_until = NULL WHERE owner = :node")
                .bind("node", node)
                .execute());
  }

  /** {@inheritDoc} */
  @Override
  public int releaseLeases(String node, Collection<String> ids) {
    Objects.requireNonNull(node, "node");
    if (ids.isEmpty()) {
      return 0;
    }
    String[] array = ids.toArray(String[]::new);
    return write(
        "release of " + array.length + " leases of node '" + node + "'",
        h ->
            h.createUpdate(
                    "UPDATE "
                        + table
                        + " SET owner = NULL, lease_until = NULL"
                        + " WHERE owner = :node AND id = ANY(:ids)")
                .bind("node", node)
                .bindArray("ids", String.class, (Object[]) array)
                .execute());
  }

  /**
   * {@inheritDoc}
   *
   * <p>Holds one connection in {@code LISTEN} for as long as the handle is open: from the store's
   * own unpooled source when the store owns its pool, else from the caller's DataSource.
   * Notifications are sent only by stores built with {@link Builder#notifyOnInsert(boolean)}.
   */
  @Override
  public AutoCloseable listen(Runnable onNewTimer) {
    Objects.requireNonNull(onNewTimer, "onNewTimer");
    return new NotificationListener(migrationSource, channel, onNewTimer);
  }

  /**
   * {@inheritDoc}
   *
   * <p>A row that cannot be decoded is deleted as well; the result is then empty and a warning
   * names the id.
   */
  @Override
  public Optional<TimerRecord> delete(String id) {
    Objects.requireNonNull(id, "id");
    Optional<RawTimerRow> deleted =
        write(
            "delete of timer '" + id + "'",
            h ->
                h.createQuery(
                        "DELETE FROM " + table + " WHERE id = :id RETURNING " + RawTimerRow.COLUMNS)
                    .bind("id", id)
                    .map(RawTimerRow.MAPPER)
                    .findOne());
    if (deleted.isEmpty()) {
      return Optional.empty();
    }
    try {
      return Optional.of(deleted.get().decode());
    } catch (RuntimeException e) {
      LOG.warn("Deleted timer '{}', which could not be read: {}", id, e.getMessage());
      return Optional.empty();
    }
  }

  /** {@inheritDoc} */
  @Override
  public List<String> deleteByParticipant(String participantId, String flowType) {
    Objects.requireNonNull(participantId, "participantId");
    String where =
        "participant_id = :participant" + (flowType == null ? "" : " AND flow_type = :flow");
    // One statement: the delete and the ids it removed, in due order.
    String sql =
        "WITH deleted AS (DELETE FROM "
            + table
            + " WHERE "
            + where
            + " RETURNING id, next_fire_at) SELECT id FROM deleted ORDER BY next_fire_at, id";
    return write(
        // Never the participant id: it may be personal data (an e-mail address).
        "delete of timers of a participant"
            + (flowType == null ? "" : " and flow type '" + flowType + "'"),
        h -> {
          Query q = h.createQuery(sql).bind("participant", participantId);
          if (flowType != null) {
            q.bind("flow", flowType);
          }
          return q.mapTo(String.class).list();
        });
  }

  /** {@inheritDoc} */
  @Override
  public int deleteExpired(Instant now) {
    Objects.requireNonNull(now, "now");
    // Stored instants are whole milliseconds: expires_at <= now  <=>  expires_at <= floor(now).
    Instant bound = now.truncatedTo(ChronoUnit.MILLIS);
    return write(
        "delete of timers expired at " + now,
        h ->
            h.createUpdate("DELETE FROM " + table + " WHERE expires_at <= :now")
                .bind("now", timestamp(bound))
                .execute());
  }

  /** {@inheritDoc} */
  @Override
  public int deleteFailedBefore(Instant cutoff) {
    Objects.requireNonNull(cutoff, "cutoff");
    return write(
        "delete of failed timers before " + cutoff,
        h ->
            h.createUpdate(
                    "DELETE FROM " + table + " WHERE status = 'FAILED' AND updated_at < :cutoff")
                .bind("cutoff", timestamp(ceilMillis(cutoff)))
                .execute());
  }

  // ---------------------------------------------------------------------------------------------
  // Reads

  /** {@inheritDoc} */
  @Override
  public Optional<TimerRecord> get(String id) {
    Objects.requireNonNull(id, "id");
    Optional<RawTimerRow> row =
        read(
            "get of timer '" + id + "'",
            h ->
                h.createQuery(
                        "SELECT " + RawTimerRow.COLUMNS + " FROM " + table + " WHERE id = :id")
                    .bind("id", id)
                    .map(RawTimerRow.MAPPER)
                    .findOne());
    return row.flatMap(this::decodeOrQuarantine);
  }

  /** One {@code SELECT … WHERE id = ANY(?)} for all the ids. */
  @Override
  public Map<String, TimerRecord> getAll(Collection<String> ids) {
    return getAllWhere(ids, "", null);
  }

  /** {@inheritDoc} */
  @Override
  public Map<String, TimerRecord> getAllIfOwned(Collection<String> ids, String node) {
    Objects.requireNonNull(node, "node");
    return getAllWhere(ids, " AND owner = :node AND lease_until > now()", node);
  }

  private Map<String, TimerRecord> getAllWhere(
      Collection<String> ids, String condition, String node) {
    Objects.requireNonNull(ids, "ids");
    Map<String, TimerRecord> found = new HashMap<>();
    if (ids.isEmpty()) {
      return found;
    }
    String[] array = ids.toArray(String[]::new);
    List<RawTimerRow> rows =
        read(
            "get of " + array.length + " timers",
            h -> {
              Query q =
                  h.createQuery(
                          "SELECT "
                              + RawTimerRow.COLUMNS
                              + " FROM "
                              + table
                              + " WHERE id = ANY(:ids)"
                              + condition)
                      .bindArray("ids", String.class, (Object[]) array);
              if (node != null) {
                q.bind("node", node);
              }
              return q.map(RawTimerRow.MAPPER).list();
            });
    for (RawTimerRow row : rows) {
      decodeOrQuarantine(row).ifPresent(r -> found.put(r.id(), r));
    }
    return found;
  }

  /** {@inheritDoc} */
  @Override
  public List<TimerRecord> list(TimerQuery query) {
    Objects.requireNonNull(query, "query");
    return readOrdered(
        "list of timers " + describe(query),
        where(query, true),
        q -> bind(q, query, true),
        query.limit());
  }

  /** {@inheritDoc} */
  @Override
  public long count(TimerQuery query) {
    Objects.requireNonNull(query, "query");
    String sql = "SELECT count(*) FROM " + table + " WHERE " + where(query, false);
    return read(
        "count of timers " + describe(query),
        h -> {
          Query q = h.createQuery(sql);
          bind(q, query, false);
          return q.mapTo(Long.class).one();
        });
  }

  /** {@inheritDoc} */
  @Override
  public java.util.SortedMap<String, Long> countByCallbackType(TimerQuery query) {
    Objects.requireNonNull(query, "query");
    String sql =
        "SELECT callback_type, count(*) FROM "
            + table
            + " WHERE "
            + where(query, false)
            + " GROUP BY callback_type";
    return read(
        "count of timers by callback type " + describe(query),
        h -> {
          Query q = h.createQuery(sql);
          bind(q, query, false);
          java.util.SortedMap<String, Long> counts = new java.util.TreeMap<>();
          q.map((rs, ctx) -> Map.entry(rs.getString(1), rs.getLong(2)))
              .forEach(e -> counts.put(e.getKey(), e.getValue()));
          return counts;
        });
  }

  /** {@inheritDoc} */
  @Override
  public List<TimerRecord> findDue(Instant before, int limit) {
    Objects.requireNonNull(before, "before");
    if (limit < 1) {
      throw new IllegalArgumentException("limit must be >= 1: " + limit);
    }
    // Stored instants are whole milliseconds: next_fire_at < before  <=>  < ceil(before).
    Argument bound = timestamp(ceilMillis(before));
    return readOrdered(
        "find of timers due before " + before,
        "status = 'ACTIVE' AND next_fire_at < :before",
        q -> q.bind("before", bound),
        limit);
  }

  /**
   * Reads rows matching {@code where} in due order, up to {@code limit} decodable ones. Rows that
   * cannot be decoded are quarantined and skipped; the next page (keyset on next_fire_at, id) fills
   * their places.
   */
  private List<TimerRecord> readOrdered(
      String operation, String where, Consumer<Query> binder, int limit) {
    List<TimerRecord> result = new ArrayList<>();
    RawTimerRow last = null;
    while (result.size() < limit) {
      int want = limit - result.size();
      RawTimerRow after = last;
      String sql =
          "SELECT "
              + RawTimerRow.COLUMNS
              + " FROM "
              + table
              + " WHERE "
              + where
              + (after == null ? "" : " AND (next_fire_at, id) > (:afterAt, :afterId)")
              + " ORDER BY next_fire_at, id LIMIT :limit";
      List<RawTimerRow> rows =
          read(
              operation,
              h -> {
                Query q = h.createQuery(sql).bind("limit", want);
                binder.accept(q);
                if (after != null) {
                  q.bind("afterAt", timestamp(after.nextFireAt())).bind("afterId", after.id());
                }
                return q.map(RawTimerRow.MAPPER).list();
              });
      for (RawTimerRow row : rows) {
        decodeOrQuarantine(row).ifPresent(result::add);
      }
      if (rows.size() < want) {
        break;
      }
      last = rows.get(rows.size() - 1);
    }
    return result;
  }

  private Optional<TimerRecord> decodeOrQuarantine(RawTimerRow row) {
    try {
      return Optional.of(row.decode());
    } catch (RuntimeException e) {
      quarantine(row, e);
      return Optional.empty();
    }
  }

  private void quarantine(RawTimerRow row, RuntimeException problem) {
    String reason = "unreadable row: " + problem.getMessage();
    if (reason.length() > TimerRecord.MAX_ERROR_LENGTH) {
      reason = reason.substring(0, TimerRecord.MAX_ERROR_LENGTH);
    }
    String finalReason = reason;
    try {
      int changed =
          write(
              "quarantine of timer '" + row.id() + "'",
              h ->
                  h.createUpdate(
                          "UPDATE "
                              + table
                              + " SET status = 'QUARANTINED', last_error = :reason,"
                              + " version = version + 1, updated_at = :now"
                              + " WHERE id = :id AND version = :version"
                              + " AND (status IS DISTINCT FROM 'QUARANTINED'"
                              + " OR last_error IS DISTINCT FROM :reason)")
                      .bind("reason", finalReason)
                      .bind("now", timestamp(clock.instant()))
                      .bind("id", row.id())
                      .bind("version", row.version())
                      .execute());
      if (changed == 1) {
        LOG.warn(
            "Quarantined timer '{}' (callback type {}): {}",
            row.id(),
            row.callbackType(),
            finalReason);
      } else {
        LOG.debug("Skipped quarantined timer '{}': {}", row.id(), finalReason);
      }
    } catch (StoreException e) {
      // Still omitted from this result; the next read tries again.
      LOG.warn(
          "Could not quarantine unreadable timer '{}' ({}): {}",
          row.id(),
          finalReason,
          e.getMessage());
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Plumbing

  /** A unit of work on a handle that may throw SQL exceptions. */
  @FunctionalInterface
  private interface Work<T> {
    T run(Handle handle) throws SQLException;
  }

  private <T> T write(String operation, Work<T> work) {
    return inTransaction(operation, work);
  }

  private <T> T read(String operation, Work<T> work) {
    return inTransaction(operation, work);
  }

  private <T> T inTransaction(String operation, Work<T> work) {
    try {
      // A transaction per call also makes the store correct over a DataSource whose connections
      // are not in auto-commit mode.
      return jdbi.inTransaction(work::run);
    } catch (SQLException | RuntimeException e) {
      throw StoreErrors.wrap(operation, e);
    }
  }

  /** Binds every column but id, starting at {@code index}; returns the next index. */
  private static int bindData(PreparedStatement ps, int index, TimerRecord r) throws SQLException {
    int i = index;
    ps.setString(i++, r.participantId());
    ps.setString(i++, r.flowType());
    ps.setString(i++, r.callbackType());
    ps.setString(i++, r.params());
    ps.setInt(i++, r.payloadVersion());
    ps.setString(i++, r.kind().name());
    ps.setString(i++, r.schedule() == null ? null : r.schedule().toJson());
    setInstant(ps, i++, r.nextFireAt());
    setInstant(ps, i++, r.expiresAt());
    ps.setString(i++, r.stateType());
    ps.setString(i++, r.dataKey());
    ps.setInt(i++, r.attempt());
    ps.setString(i++, r.lastError());
    ps.setString(i++, r.status().name());
    ps.setLong(i++, r.version());
    ps.setString(i++, r.retryPolicy() == null ? null : r.retryPolicy().toJson());
    ps.setString(i++, r.overduePolicy() == null ? null : r.overduePolicy().name());
    setInstant(ps, i++, r.lastFiredAt());
    setInstant(ps, i++, r.createdAt());
    setInstant(ps, i++, r.updatedAt());
    return i;
  }

  private static void setInstant(PreparedStatement ps, int index, Instant instant)
      throws SQLException {
    if (instant == null) {
      ps.setNull(index, Types.TIMESTAMP_WITH_TIMEZONE);
    } else {
      ps.setObject(index, toOffsetDateTime(instant));
    }
  }

  /** An instant bound as timestamptz, independent of the JVM's and the session's zone. */
  private static Argument timestamp(Instant instant) {
    OffsetDateTime value = toOffsetDateTime(instant);
    return (position, statement, ctx) -> statement.setObject(position, value);
  }

  private static OffsetDateTime toOffsetDateTime(Instant instant) {
    // The driver sends OffsetDateTime.MAX / MIN as 'infinity' / '-infinity'.
    if (instant.isAfter(PG_MAX)) {
      return OffsetDateTime.MAX;
    }
    if (instant.isBefore(PG_MIN)) {
      return OffsetDateTime.MIN;
    }
    return instant.atOffset(ZoneOffset.UTC);
  }

  private static Instant ceilMillis(Instant instant) {
    if (instant.isAfter(PG_MAX)) {
      return instant;
    }
    Instant floor = instant.truncatedTo(ChronoUnit.MILLIS);
    return floor.equals(instant) ? instant : floor.plusMillis(1);
  }

  /** The WHERE clause of a query; a count ignores the page position. */
  private static String where(TimerQuery query, boolean withPosition) {
    StringBuilder where = new StringBuilder("TRUE");
    if (query.participantId() != null) {
      where.append(" AND participant_id = :participant");
    }
    if (query.flowType() != null) {
      where.append(" AND flow_type = :flow");
    }
    if (query.callbackType() != null) {
      where.append(" AND callback_type = :callback");
    }
    if (query.status() != null) {
      where.append(" AND status = :status");
    }
    if (query.dueBefore() != null) {
      where.append(" AND next_fire_at < :dueBefore");
    }
    if (query.expiredBy() != null) {
      where.append(" AND expires_at <= :expiredBy");
    }
    if (query.updatedBefore() != null) {
      where.append(" AND updated_at < :updatedBefore");
    }
    if (query.failedAttemptsOnly()) {
      where.append(" AND attempt > 0");
    }
    if (withPosition && query.after() != null) {
      where.append(" AND (next_fire_at, id) > (:positionAt, :positionId)");
    }
    return where.toString();
  }

  private static void bind(Query q, TimerQuery query, boolean withPosition) {
    if (query.participantId() != null) {
      q.bind("participant", query.participantId());
    }
    if (query.flowType() != null) {
      q.bind("flow", query.flowType());
    }
    if (query.callbackType() != null) {
      q.bind("callback", query.callbackType());
    }
    if (query.status() != null) {
      q.bind("status", query.status().name());
    }
    if (query.dueBefore() != null) {
      // Stored instants are whole milliseconds: next_fire_at < bound  <=>  < ceil(bound).
      q.bind("dueBefore", timestamp(ceilMillis(query.dueBefore())));
    }
    if (query.expiredBy() != null) {
      q.bind("expiredBy", timestamp(query.expiredBy()));
    }
    if (query.updatedBefore() != null) {
      q.bind("updatedBefore", timestamp(ceilMillis(query.updatedBefore())));
    }
    if (withPosition && query.after() != null) {
      q.bind("positionAt", timestamp(query.after().nextFireAt()))
          .bind("positionId", query.after().id());
    }
  }

  /** {@inheritDoc} */
  @Override
  public List<LeaseHolder> leaseHolders() {
    return read(
        "list of lease holders",
        h ->
            h.createQuery(
                    "SELECT owner, count(*), count(*) FILTER (WHERE lease_until < now()) FROM "
                        + table
                        + " WHERE owner IS NOT NULL GROUP BY owner ORDER BY owner")
                .map((rs, ctx) -> new LeaseHolder(rs.getString(1), rs.getLong(2), rs.getLong(3)))
                .list());
  }

  /** The query for an error message: whether it filters by participant, never the id itself. */
  private static String describe(TimerQuery query) {
    return "(participant="
        + (query.participantId() == null ? "any" : "given")
        + ", flowType="
        + query.flowType()
        + ", callbackType="
        + query.callbackType()
        + ", status="
        + query.status()
        + ")";
  }

  /** PostgreSQL's limit for identifiers and channel names, in bytes (NAMEDATALEN - 1). */
  static final int MAX_IDENTIFIER_BYTES = 63;

  /**
   * The LISTEN/NOTIFY channel of a schema: {@code persistent_timers:<schema>}, cut to 63 bytes of
   * UTF-8 at a character boundary, as PostgreSQL cuts an identifier (so LISTEN and pg_notify agree;
   * cutting by characters left a 60-byte schema name with an 78-byte channel that pg_notify
   * refused, failing every insert). Schemas that share a long prefix share a channel, which only
   * costs a spare wake-up.
   */
  static String channelName(String schema) {
    String name = "persistent_timers:" + schema;
    int bytes = 0;
    int end = 0;
    while (end < name.length()) {
      int cp = name.codePointAt(end);
      int size = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
      if (bytes + size > MAX_IDENTIFIER_BYTES) {
        break;
      }
      bytes += size;
      end += Character.charCount(cp);
    }
    return name.substring(0, end);
  }

  private static int firstUnstorable(String text) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      boolean pair =
          Character.isHighSurrogate(c)
              && i + 1 < text.length()
              && Character.isLowSurrogate(text.charAt(i + 1));
      if (c == '\0' || (!pair && Character.isSurrogate(c))) {
        return i;
      }
      if (pair) {
        i++;
      }
    }
    return -1;
  }

  static String quoteIdentifier(String name) {
    return "\"" + name.replace("\"", "\"\"") + "\"";
  }

  /**
   * {@inheritDoc}
   *
   * <p>A session-level advisory lock keyed by this store's schema and table ({@code
   * pg_try_advisory_lock}, or {@code pg_try_advisory_lock_shared} for a multi-node engine), held on
   * a connection of its own that is never one of the pool's: a new unpooled connection for a store
   * built from a JDBC URL; for a caller's {@code DataSource}, one from {@link
   * Builder#engineLockDataSource}, else a new connection with the settings of the caller's {@code
   * HikariDataSource} (JDBC URL, user, password, data source properties) or from the {@code
   * PGSimpleDataSource} it wraps. For any other {@code DataSource} without {@code
   * engineLockDataSource} this throws a {@link StoreException} that says so.
   *
   * <p>When the holding process dies, PostgreSQL ends its session and the lock with it: at once for
   * a killed process, after TCP keepalive for a host that vanished (the refusal names the session
   * and how to end it). If the lock's connection breaks while the engine runs, the lock is gone
   * with the session: the store notices within a few seconds, logs an ERROR, and takes the lock
   * again on a new connection as soon as the database answers; if another engine took it meanwhile,
   * it logs an ERROR naming it and keeps trying. The engine keeps running meanwhile.
   *
   * @throws StoreInUseException when another engine's lock excludes this one
   */
  @Override
  public EngineLock lockForEngine(boolean multiNode) {
    if (lockConnections == null) {
      throw new StoreException(
          "PostgreSQL store: cannot open a dedicated connection for the engine lock from the"
              + " given DataSource ("
              + dataSource.getClass().getName()
              + ", neither a HikariDataSource with a JDBC URL nor a PGSimpleDataSource); pass"
              + " one with PostgresStore.Builder.engineLockDataSource(...), e.g. a"
              + " PGSimpleDataSource for the same database");
    }
    try {
      return AdvisoryEngineLock.acquire(lockConnections, schema, TABLE, multiNode, engineLockCheck);
    } catch (SQLException e) {
      throw StoreErrors.wrap("taking the engine lock on schema '" + schema + "'", e);
    }
  }

  /**
   * Closes the connection pool when the store created it (built from a JDBC URL); a caller's {@link
   * DataSource} is left open. Records stay stored. An engine lock stays held until the engine
   * closes it. Idempotent.
   */
  @Override
  public void close() {
    if (ownedPool != null) {
      ownedPool.close();
    }
  }

  /** The schema and table, for logs; never connection credentials. */
  @Override
  public String toString() {
    return "PostgresStore[schema=" + schema + ", table=" + TABLE + "]";
  }

  /**
   * Configures a {@link PostgresStore}. Obtain one from {@link PostgresStore#builder(DataSource)}
   * or {@link PostgresStore#builder(String)}.
   */
  public static final class Builder {
    private final DataSource dataSource;
    private final String jdbcUrl;
    private String schema;
    private String user;
    private String password;
    private int poolSize = 4;
    private Duration connectionTimeout = Duration.ofSeconds(10);
    private Duration socketTimeout = Duration.ofSeconds(30);
    private Duration statementTimeout = Duration.ofSeconds(20);
    private boolean migrate = true;
    private Clock clock = Clock.systemUTC();
    private boolean notifyOnInsert;
    private DataSource engineLockDataSource;
    private Duration engineLockCheck = Duration.ofSeconds(5);

    private Builder(DataSource dataSource, String jdbcUrl) {
      this.dataSource = dataSource;
      this.jdbcUrl = jdbcUrl;
    }

    /**
     * The schema for the store's table; created when missing. Default: the connection's current
     * schema (the first existing schema of its {@code search_path}). Case-sensitive: the name is
     * used as a quoted identifier. At most 63 bytes of UTF-8 (PostgreSQL's identifier limit: 63
     * ASCII letters, 31 {@code é}), without NUL or unpaired surrogates; refused here otherwise.
     *
     * @param schema the schema name
     * @return this builder
     */
    public Builder schema(String schema) {
      Objects.requireNonNull(schema, "schema");
      if (schema.isBlank()) {
        throw new IllegalArgumentException("schema must not be blank");
      }
      if (schema.indexOf('\0') >= 0 || !StandardCharsets.UTF_8.newEncoder().canEncode(schema)) {
        throw new IllegalArgumentException(
            "schema must not contain NUL or an unpaired surrogate: at index "
                + firstUnstorable(schema));
      }
      int bytes = schema.getBytes(StandardCharsets.UTF_8).length;
      if (bytes > MAX_IDENTIFIER_BYTES) {
        // PostgreSQL would silently cut the name, and Flyway would then look for the uncut one.
        throw new IllegalArgumentException(
            "schema must be at most "
                + MAX_IDENTIFIER_BYTES
                + " bytes in UTF-8 (PostgreSQL's identifier limit): got "
                + bytes
                + " for '"
                + schema
                + "'");
      }
      this.schema = schema;
      return this;
    }

    /**
     * The database user for the store's own pool (URL builder only).
     *
     * @param user the user name
     * @return this builder
     */
    public Builder user(String user) {
      requireUrl("user");
      this.user = user;
      return this;
    }

    /**
     * The database password for the store's own pool (URL builder only).
     *
     * @param password the password
     * @return this builder
     */
    public Builder password(String password) {
      requireUrl("password");
      this.password = password;
      return this;
    }

    /**
     * Maximum connections of the store's own pool (URL builder only); default 4.
     *
     * @param poolSize the most connections
     * @return this builder
     */
    public Builder poolSize(int poolSize) {
      requireUrl("poolSize");
      if (poolSize < 1 || poolSize > 1000) {
        throw new IllegalArgumentException("poolSize must be in [1, 1000]: " + poolSize);
      }
      this.poolSize = poolSize;
      return this;
    }

    /**
     * How long a call waits for a connection of the store's own pool before it fails with a {@link
     * StoreException}, and how long opening a connection (TCP connect and login) may take, rounded
     * up to whole seconds for the connections opened outside the pool (URL builder only); default
     * 10 seconds.
     *
     * @param connectionTimeout the longest wait for a connection
     * @return this builder
     */
    public Builder connectionTimeout(Duration connectionTimeout) {
      requireUrl("connectionTimeout");
      Objects.requireNonNull(connectionTimeout, "connectionTimeout");
      if (connectionTimeout.toMillis() < 250) {
        throw new IllegalArgumentException(
            "connectionTimeout must be at least 250 ms: " + connectionTimeout);
      }
      this.connectionTimeout = connectionTimeout;
      return this;
    }

    /**
     * How long a connection the store opens itself waits for any answer from the server before the
     * call fails with a {@link StoreException} and the connection is dropped (PgJDBC's {@code
     * socketTimeout}, whole seconds, at least 1); default 30 seconds. This is what ends a call when
     * the network stalls (packets dropped, no reset). It applies to the store's own pool and to the
     * connections it opens for migrations, the engine lock and notifications (URL builder only; for
     * a caller's {@code DataSource}, set it there). A migration statement running longer fails:
     * raise it, or migrate separately, for a migration of a large table.
     *
     * @param socketTimeout whole seconds, at least 1
     * @return this builder
     */
    public Builder socketTimeout(Duration socketTimeout) {
      requireUrl("socketTimeout");
      Objects.requireNonNull(socketTimeout, "socketTimeout");
      if (socketTimeout.toMillis() < 1000 || socketTimeout.getSeconds() > Integer.MAX_VALUE) {
        throw new IllegalArgumentException(
            "socketTimeout must be at least 1 second: " + socketTimeout);
      }
      this.socketTimeout = socketTimeout;
      return this;
    }

    /**
     * How long the server runs one statement of the store's pool before it cancels it (the
     * session's {@code statement_timeout}); default 20 seconds; {@link Duration#ZERO} for none. It
     * ends a statement waiting on a lock (a host transaction holding the same timer id) with a
     * retryable {@link StoreException}, cleanly on the server, before {@link #socketTimeout} gives
     * up on the connection (URL builder only). It is sent as the startup parameter {@code options};
     * an {@code options} parameter in the JDBC URL wins. Behind PgBouncer, which refuses that
     * parameter unless listed in its {@code ignore_startup_parameters}, set {@link Duration#ZERO}.
     *
     * @param statementTimeout the longest a statement runs; zero for none
     * @return this builder
     */
    public Builder statementTimeout(Duration statementTimeout) {
      requireUrl("statementTimeout");
      Objects.requireNonNull(statementTimeout, "statementTimeout");
      if (statementTimeout.isNegative() || statementTimeout.toMillis() > Integer.MAX_VALUE) {
        throw new IllegalArgumentException(
            "statementTimeout must be between 0 and "
                + Integer.MAX_VALUE
                + " ms: "
                + statementTimeout);
      }
      this.statementTimeout = statementTimeout;
      return this;
    }

    /**
     * Whether {@link #build()} runs the migrations; default true. Turn off when the schema is
     * migrated separately, then call {@link PostgresStore#migrate()} or run Flyway with {@link
     * PostgresStore#MIGRATION_LOCATION} and {@link PostgresStore#HISTORY_TABLE}.
     *
     * @param migrate false when the schema is migrated separately
     * @return this builder
     */
    public Builder migrate(boolean migrate) {
      this.migrate = migrate;
      return this;
    }

    /**
     * The clock for the {@code updated_at} of quarantined rows; default the UTC system clock.
     *
     * @param clock the clock
     * @return this builder
     */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * Whether every transaction that inserts timers sends a {@code NOTIFY} on the store's channel
     * when it commits, so nodes in multi-node mode claim new near-term timers at once instead of at
     * their next poll; default off. Turn it on for multi-node deployments that can {@code LISTEN};
     * leave it off behind PgBouncer in transaction mode (and turn {@code MultiNode.notifications}
     * off there), where polling alone fires every timer.
     *
     * @param notifyOnInsert true to notify other nodes
     * @return this builder
     */
    public Builder notifyOnInsert(boolean notifyOnInsert) {
      this.notifyOnInsert = notifyOnInsert;
      return this;
    }

    /**
     * Where the engine lock's connection comes from (see {@link PostgresStore#lockForEngine}): a
     * {@code DataSource} that opens a new connection to the same database per call, such as a
     * {@code PGSimpleDataSource}, and never a pool. Needed only for a caller's {@code DataSource}
     * that is neither a {@code HikariDataSource} configured with a JDBC URL nor a {@code
     * PGSimpleDataSource}; the connection is opened when an engine starts and kept until it closes.
     *
     * @param engineLockDataSource opens a new connection per call
     * @return this builder
     */
    public Builder engineLockDataSource(DataSource engineLockDataSource) {
      this.engineLockDataSource =
          Objects.requireNonNull(engineLockDataSource, "engineLockDataSource");
      return this;
    }

    /**
     * How often a held engine lock's connection is checked and, when lost, the lock taken again;
     * default 5 seconds. For tests.
     */
    Builder engineLockCheck(Duration every) {
      if (every.toMillis() < 10) {
        throw new IllegalArgumentException("engineLockCheck must be at least 10 ms: " + every);
      }
      this.engineLockCheck = every;
      return this;
    }

    private void requireUrl(String option) {
      if (jdbcUrl == null) {
        throw new IllegalStateException(
            option
                + " applies only to a store built from a JDBC URL; configure your DataSource instead");
      }
    }

    /**
     * Connects, resolves the schema, runs the migrations (unless disabled) and returns the store.
     *
     * @return the open store; the caller closes it
     * @throws StoreException when the database cannot be reached or migrated
     */
    public PostgresStore build() {
      HikariDataSource pool = jdbcUrl == null ? null : createPool();
      DataSource source = pool != null ? pool : dataSource;
      // Flyway holds two connections at once (history lock + migration); on the store's own pool
      // it uses unpooled connections instead, so even a pool of one connection migrates.
      DataSource migrationSource = pool != null ? unpooled() : dataSource;
      try {
        String resolved = schema != null ? schema : currentSchema(source);
        if (migrate) {
          PostgresStore.migrate(migrationSource, resolved);
        }
        AdvisoryEngineLock.Connections lockConnections =
            engineLockDataSource != null
                ? engineLockDataSource::getConnection
                : pool != null ? migrationSource::getConnection : dedicatedConnections(dataSource);
        PostgresStore store =
            new PostgresStore(
                source,
                migrationSource,
                pool,
                resolved,
                clock,
                notifyOnInsert,
                lockConnections,
                engineLockCheck);
        LOG.info(
            "Persistent Timers PostgreSQL store: schema {}, table {}, {}",
            resolved,
            TABLE,
            pool != null
                ? "own pool of "
                    + poolSize
                    + " connections (connectionTimeout "
                    + connectionTimeout
                    + ", socketTimeout "
                    + socketTimeout
                    + ", statementTimeout "
                    + statementTimeout
                    + ")"
                : "caller's DataSource");
        return store;
      } catch (RuntimeException e) {
        if (pool != null) {
          pool.close();
        }
        throw e;
      }
    }

    private HikariDataSource createPool() {
      HikariConfig config = new HikariConfig();
      config.setJdbcUrl(jdbcUrl);
      if (user != null) {
        config.setUsername(user);
      }
      if (password != null) {
        config.setPassword(password);
      }
      config.setMaximumPoolSize(poolSize);
      config.setMinimumIdle(Math.min(1, poolSize));
      config.setConnectionTimeout(connectionTimeout.toMillis());
      // Checking a borrowed connection must not use up the whole wait for one.
      config.setValidationTimeout(Math.max(250, Math.min(5000, connectionTimeout.toMillis() / 2)));
      config.setPoolName("persistent-timers");
      config.setAutoCommit(true);
      // Keep server DETAIL lines (which can quote row data, i.e. params) out of exceptions and
      // logs.
      config.addDataSourceProperty("logServerErrorDetail", "false");
      timeouts().forEach((k, v) -> config.addDataSourceProperty((String) k, v));
      if (!statementTimeout.isZero()) {
        config.addDataSourceProperty(
            "options", "-c statement_timeout=" + statementTimeout.toMillis());
      }
      try {
        return new HikariDataSource(config);
      } catch (RuntimeException e) {
        throw StoreErrors.wrap("connecting to " + redact(jdbcUrl), e);
      }
    }

    private DataSource unpooled() {
      PGSimpleDataSource simple = new PGSimpleDataSource();
      simple.setURL(jdbcUrl);
      if (user != null) {
        simple.setUser(user);
      }
      if (password != null) {
        simple.setPassword(password);
      }
      simple.setLogServerErrorDetail(false);
      Properties timeouts = timeouts();
      simple.setConnectTimeout(Integer.parseInt(timeouts.getProperty("connectTimeout")));
      simple.setLoginTimeout(Integer.parseInt(timeouts.getProperty("loginTimeout")));
      simple.setSocketTimeout(Integer.parseInt(timeouts.getProperty("socketTimeout")));
      return simple;
    }

    /**
     * PgJDBC's timeouts (whole seconds) for every connection the store opens: connecting and
     * logging in within the connection timeout, any answer within the socket timeout.
     */
    private Properties timeouts() {
      Properties properties = new Properties();
      String connect = String.valueOf(ceilSeconds(connectionTimeout));
      properties.setProperty("connectTimeout", connect);
      properties.setProperty("loginTimeout", connect);
      properties.setProperty("socketTimeout", String.valueOf(ceilSeconds(socketTimeout)));
      return properties;
    }

    private static long ceilSeconds(Duration d) {
      return Math.max(1, (d.toMillis() + 999) / 1000);
    }

    /**
     * New connections with the settings of a caller's {@code DataSource}, never from its pool: the
     * {@code PGSimpleDataSource} it is or wraps, or the JDBC URL and credentials of a {@code
     * HikariDataSource}. Null for any other.
     */
    private static AdvisoryEngineLock.Connections dedicatedConnections(DataSource caller) {
      try {
        if (caller.isWrapperFor(PGSimpleDataSource.class)) {
          PGSimpleDataSource simple = caller.unwrap(PGSimpleDataSource.class);
          return simple::getConnection;
        }
      } catch (SQLException | RuntimeException e) {
        // not a wrapper of one
      }
      if (caller instanceof HikariDataSource hikari
          && hikari.getJdbcUrl() != null
          && hikari.getJdbcUrl().startsWith("jdbc:postgresql:")) {
        String url = hikari.getJdbcUrl();
        Properties properties = new Properties();
        properties.putAll(hikari.getDataSourceProperties());
        if (hikari.getUsername() != null) {
          properties.setProperty("user", hikari.getUsername());
        }
        if (hikari.getPassword() != null) {
          properties.setProperty("password", hikari.getPassword());
        }
        properties.putIfAbsent("logServerErrorDetail", "false");
        Driver driver = new org.postgresql.Driver();
        return () -> driver.connect(url, properties);
      }
      return null;
    }

    private static String currentSchema(DataSource source) {
      try (Connection connection = source.getConnection();
          PreparedStatement ps = connection.prepareStatement("SELECT current_schema()");
          java.sql.ResultSet rs = ps.executeQuery()) {
        String current = rs.next() ? rs.getString(1) : null;
        if (current == null) {
          throw new StoreException(
              "PostgreSQL store: the connection has no current schema (empty search_path); set"
                  + " one with PostgresStore.Builder.schema(...)");
        }
        return current;
      } catch (SQLException e) {
        throw StoreErrors.wrap("reading the current schema", e);
      }
    }

    private static String redact(String url) {
      return url.replaceAll("(?i)(password=)[^&]*", "$1***");
    }
  }
}
