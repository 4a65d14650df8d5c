package io.persistenttimers.store.postgres;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.persistenttimers.StoreException;
import io.persistenttimers.StoreInUseException;
import io.persistenttimers.TimerRecord;
import io.persistenttimers.TimerStatus;
import io.persistenttimers.spi.ClaimingStore;
import io.persistenttimers.spi.EngineLock;
import io.persistenttimers.spi.Store;
import io.persistenttimers.store.jdbc.JdbcStore;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.Driver;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
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
 * <p>Every method is one statement in its own transaction (the lease statements of multi-node mode
 * in the connection's auto-commit, see {@link Builder#idleInTransactionTimeout}), so each call is
 * atomic and committed on return; updates and deletes in {@link #writeAll} compare and set on
 * {@code version}. Instants are stored as {@code timestamptz}, so neither the session time zone nor
 * the JVM's default zone changes what is stored. Failures surface as {@link StoreException} naming
 * the operation and the timer id; params never appear in exceptions nor in logs above DEBUG.
 *
 * <p>A row that cannot be decoded (a corrupt schedule, an unknown status or kind) is marked {@link
 * TimerStatus#QUARANTINED} with the reason in {@code last_error} and its version raised by one; its
 * data is left as it is, a warning names its id, and it is omitted from the call that met it.
 * {@link #count} counts rows as stored, including such rows. {@link #remove} deletes an unreadable
 * row too and returns its id.
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
public final class PostgresStore extends JdbcStore implements ClaimingStore {

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

  private final DataSource dataSource;

  /** What Flyway runs on: unpooled connections for an owned pool, else the caller's DataSource. */
  private final DataSource migrationSource;

  private final HikariDataSource ownedPool;
  private final String schema;
  private final Jdbi jdbi;
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
    super(
        PostgresDialect.INSTANCE,
        quoteIdentifier(schema) + "." + TABLE,
        "schema '" + schema + "'",
        clock);
    this.lockConnections = lockConnections;
    this.engineLockCheck = engineLockCheck;
    this.dataSource = dataSource;
    this.migrationSource = migrationSource;
    this.ownedPool = ownedPool;
    this.schema = schema;
    this.notifyOnInsert = notifyOnInsert;
    this.channel = channelName(schema);
    this.jdbi = Jdbi.create(dataSource);
    // Jdbi's messages may render bound arguments (params); keep them out of exceptions.
    jdbi.getConfig(StatementExceptions.class)
        .setMessageRendering(StatementExceptions.MessageRendering.NONE);
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

  /** A transaction per call also makes the store correct over a non-auto-commit DataSource. */
  @Override
  protected <T> T inTransaction(String operation, String id, boolean write, Work<T> work)
      throws SQLException {
    return jdbi.inTransaction(work::run);
  }

  /**
   * On an auto-commit connection (the store's own pool, and most pools) without a transaction of
   * the store's: the server commits the statement as it ends, so a node paused before it could send
   * a {@code COMMIT} holds no lease rows locked against other nodes' claims.
   */
  @Override
  protected <T> T inOneStatement(String operation, String id, Work<T> work) throws SQLException {
    try (Handle handle = jdbi.open()) {
      if (handle.getConnection().getAutoCommit()) {
        return work.run(handle);
      }
      return handle.inTransaction(work::run);
    }
  }

  @Override
  protected boolean hasAfterInsert() {
    return notifyOnInsert;
  }

  /**
   * Tells listening nodes that a timer was inserted; delivered when the transaction commits, and
   * once per transaction however many inserts it holds.
   */
  @Override
  protected void afterInsert(Handle handle) {
    if (notifyOnInsert) {
      handle
          .createQuery("SELECT pg_notify(:channel, '')")
          .bind("channel", channel)
          .map((rs, ctx) -> Boolean.TRUE)
          .one();
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
            + table()
            + " SET version = CASE WHEN owner IS NULL OR owner = :node THEN version ELSE version + 1 END,"
            + " lease_epoch = CASE WHEN owner IS NULL OR owner = :node THEN lease_epoch"
            + " ELSE lease_epoch + 1 END,"
            + " owner = :node, lease_until = now() + make_interval(secs => :lease)"
            + " WHERE id IN (SELECT id FROM "
            + table()
            + " WHERE status = 'ACTIVE' AND next_fire_at < :before"
            + " AND (owner IS NULL OR owner = :node OR lease_until < now())"
            + " ORDER BY next_fire_at, id LIMIT :limit FOR UPDATE SKIP LOCKED)"
            + " RETURNING "
            + timerColumns();
    List<TimerRecord> claimed =
        readTimersInOneStatement(
            "claim due timers for node '" + node + "'",
            h ->
                h.createQuery(sql)
                    .bind("node", node)
                    .bind("lease", lease.toMillis() / 1000.0)
                    .bind("before", instant(ceilMillis(before)))
                    .bind("limit", limit));
    List<TimerRecord> sorted = new ArrayList<>(claimed);
    sorted.sort(Comparator.comparing(TimerRecord::nextFireAt).thenComparing(TimerRecord::id));
    return sorted;
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
        runOneStatement(
            "renew " + array.length + " leases of node '" + node + "'",
            null,
            h ->
                h.createQuery(
                        "UPDATE "
                            + table()
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
  public int releaseAllLeases(String node) {
    Objects.requireNonNull(node, "node");
    return runOneStatement(
        "release the leases of node '" + node + "'",
        null,
        h ->
            h.createUpdate(
                    "UPDATE "
                        + table()
                        + " SET owner = NULL, lease_until = NULL WHERE owner = :node")
                .bind("node", node)
                .execute());
  }

  /** {@inheritDoc} Judged by the database's clock, as every lease is. */
  @Override
  public List<LeaseHolder> leaseHolders() {
    return run(
        "list the lease holders",
        null,
        false,
        h ->
            h.createQuery(
                    "SELECT owner, count(*), count(*) FILTER (WHERE lease_until < now()) FROM "
                        + table()
                        + " WHERE owner IS NOT NULL GROUP BY owner ORDER BY owner")
                .map((rs, ctx) -> new LeaseHolder(rs.getString(1), rs.getLong(2), rs.getLong(3)))
                .list());
  }

  /** {@inheritDoc} */
  @Override
  public int releaseLeases(String node, Collection<String> ids) {
    Objects.requireNonNull(node, "node");
    if (ids.isEmpty()) {
      return 0;
    }
    String[] array = ids.toArray(String[]::new);
    return runOneStatement(
        "release " + array.length + " leases of node '" + node + "'",
        null,
        h ->
            h.createUpdate(
                    "UPDATE "
                        + table()
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

  /** {@inheritDoc} */
  @Override
  public Map<String, TimerRecord> getAllIfOwned(Collection<String> ids, String node) {
    Objects.requireNonNull(ids, "ids");
    Objects.requireNonNull(node, "node");
    Map<String, TimerRecord> found = new HashMap<>();
    if (ids.isEmpty()) {
      return found;
    }
    String[] array = ids.toArray(String[]::new);
    readTimers(
            "get " + array.length + " timers owned by node '" + node + "'",
            false,
            h ->
                h.createQuery(
                        selectTimers()
                            + " WHERE id = ANY(:ids) AND owner = :node AND lease_until > now()")
                    .bindArray("ids", String.class, (Object[]) array)
                    .bind("node", node))
        .forEach(r -> found.put(r.id(), r));
    return found;
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
    if (multiNode) {
      warnIfTransactionsMayIdleForever();
    }
    try {
      return AdvisoryEngineLock.acquire(lockConnections, schema, TABLE, multiNode, engineLockCheck);
    } catch (SQLException e) {
      throw StoreErrors.wrap("taking the engine lock on schema '" + schema + "'", e);
    }
  }

  /** The connections the store works on (for tests in this package). */
  DataSource dataSource() {
    return dataSource;
  }

  /**
   * A multi-node engine over sessions without {@code idle_in_transaction_session_timeout}: a node
   * paused inside a write transaction keeps its rows from every other node until it resumes (see
   * {@link Builder#idleInTransactionTimeout}). Worth a warning, not a refusal: nothing is lost or
   * fired twice, takeover of those rows only waits for the pause to end.
   */
  private void warnIfTransactionsMayIdleForever() {
    try {
      String setting =
          jdbi.withHandle(
              h ->
                  h.createQuery("SHOW idle_in_transaction_session_timeout")
                      .mapTo(String.class)
                      .one());
      if ("0".equals(setting)) {
        LOG.warn(
            "PostgreSQL store on schema '{}': the DataSource's sessions have no"
                + " idle_in_transaction_session_timeout, so a node paused inside a write"
                + " transaction keeps those timers from the other nodes until it resumes; set it"
                + " (e.g. ALTER ROLE <role> SET idle_in_transaction_session_timeout = '10s', or"
                + " the pool's connection options), or build the store from a JDBC URL, which sets"
                + " it",
            schema);
      }
    } catch (RuntimeException e) {
      LOG.debug("Could not read idle_in_transaction_session_timeout: {}", e.toString());
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
    private Duration idleInTransactionTimeout = Duration.ofSeconds(10);
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
     * parameter unless listed in its {@code ignore_startup_parameters}, set {@link Duration#ZERO}
     * here and for {@link #idleInTransactionTimeout}.
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
     * How long the server lets a session of the store's pool sit idle inside a transaction before
     * it ends the session and rolls the transaction back (the session's {@code
     * idle_in_transaction_session_timeout}); default 10 seconds; {@link Duration#ZERO} for none.
     * The store never waits inside its own transactions, so only a stalled client hits it: a node
     * paused (a long GC pause, {@code SIGSTOP}, a partition) between a write and its {@code COMMIT}
     * would otherwise keep those rows locked, and other nodes' claims, which skip locked rows,
     * could not take them over, however long the pause. The paused write fails when the node
     * resumes and is retried like any failed write. Sent with {@link #statementTimeout} as the
     * startup parameter {@code options} (URL builder only); over a caller's {@code DataSource}, set
     * it on the server, the role or the pool.
     *
     * @param idleInTransactionTimeout the longest a transaction of the store's may stay idle; zero
     *     for none
     * @return this builder
     */
    public Builder idleInTransactionTimeout(Duration idleInTransactionTimeout) {
      requireUrl("idleInTransactionTimeout");
      Objects.requireNonNull(idleInTransactionTimeout, "idleInTransactionTimeout");
      if (idleInTransactionTimeout.isNegative()
          || idleInTransactionTimeout.toMillis() > Integer.MAX_VALUE) {
        throw new IllegalArgumentException(
            "idleInTransactionTimeout must be between 0 and "
                + Integer.MAX_VALUE
                + " ms: "
                + idleInTransactionTimeout);
      }
      this.idleInTransactionTimeout = idleInTransactionTimeout;
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
                    + ", idleInTransactionTimeout "
                    + idleInTransactionTimeout
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
      String options = sessionOptions();
      if (!options.isEmpty()) {
        config.addDataSourceProperty("options", options);
      }
      try {
        return new HikariDataSource(config);
      } catch (RuntimeException e) {
        throw StoreErrors.wrap("connecting to " + redact(jdbcUrl), e);
      }
    }

    /** The pool's session settings, as PgJDBC's {@code options} startup parameter. */
    private String sessionOptions() {
      List<String> options = new ArrayList<>();
      if (!statementTimeout.isZero()) {
        options.add("-c statement_timeout=" + statementTimeout.toMillis());
      }
      if (!idleInTransactionTimeout.isZero()) {
        options.add(
            "-c idle_in_transaction_session_timeout=" + idleInTransactionTimeout.toMillis());
      }
      return String.join(" ", options);
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
