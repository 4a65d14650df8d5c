package io.persistenttimers.store.mariadb;

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
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.StatementExceptions;
import org.jdbi.v3.core.transaction.TransactionIsolationLevel;
import org.mariadb.jdbc.MariaDbDataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link Store} in MariaDB (10.6 and later) or MySQL (8.0 and later): the durable store for one
 * or many application nodes sharing a database.
 *
 * <p>Timers live in the table {@code persistent_timers} of one database (by default the
 * connection's current one). The store creates and upgrades it itself with Flyway when it is built
 * (see {@link #migrate()}), under its own history table {@code timers_schema_history}, so it
 * coexists with a host's own Flyway in the same database.
 *
 * <pre>{@code
 * Store store = MariaDbStore.builder(dataSource).database("app").build();
 * // or, with a small connection pool the store owns and closes:
 * Store store = MariaDbStore.fromUrl("jdbc:mariadb://db:3306/app?user=app&password=secret");
 * }</pre>
 *
 * <p>Every call is one transaction, committed on return; updates and deletes compare and set on
 * {@code version}. Ids and every other text compare byte for byte (a binary NO PAD collation), text
 * is {@code utf8mb4}, and instants are {@code DATETIME(3)} in UTC, whatever the server's, session's
 * or JVM's time zone; see the migration {@code V1__create_timers.sql} for why each. Failures
 * surface as {@link StoreException} naming the operation and the timer id; params never appear in
 * exceptions nor in logs above DEBUG.
 *
 * <p>A row that cannot be decoded is marked {@link TimerStatus#QUARANTINED} with the reason in
 * {@code last_error} and its version raised by one; its data is left as it is, a warning names its
 * id, and it is omitted from the call that met it. {@link #count} counts rows as stored.
 *
 * <p>To schedule inside the host's own transaction use {@link #insert(Connection, TimerRecord)} or
 * {@link #insert(Handle, TimerRecord)}.
 *
 * <p><b>One engine per table unless multi-node.</b> A started {@code PersistentTimer} holds a named
 * user lock ({@code GET_LOCK}) on a connection of its own (see {@link #lockForEngine}).
 *
 * <p>Thread-safe.
 */
public final class MariaDbStore extends JdbcStore implements ClaimingStore {

  private static final Logger LOG = LoggerFactory.getLogger(MariaDbStore.class);

  /** Where the migrations live on the class path. */
  public static final String MIGRATION_LOCATION =
      "classpath:io/persistenttimers/store/mariadb/migration";

  /**
   * The Flyway history table of this library, distinct from a host's {@code flyway_schema_history}.
   */
  public static final String HISTORY_TABLE = "timers_schema_history";

  /** The table timers are stored in, inside the store's database. */
  public static final String TABLE = "persistent_timers";

  /** How many ids go into one {@code IN (…)} list. */
  private static final int IDS_PER_STATEMENT = 500;

  /** The server's clock in UTC, as every stored instant; leases are judged by it. */
  private static final String NOW = "UTC_TIMESTAMP(3)";

  /** The end of a lease of {@code :leaseMicros} from now, by the server's clock. */
  private static final String LEASE_END =
      "DATE_ADD(" + NOW + ", INTERVAL :leaseMicros MICROSECOND)";

  private final DataSource dataSource;
  private final DataSource migrationSource;
  private final HikariDataSource ownedPool;
  private final String database;
  private final Jdbi jdbi;
  private final GetLockEngineLock.Connections lockConnections;
  private final Duration engineLockCheck;

  private MariaDbStore(
      DataSource dataSource,
      DataSource migrationSource,
      HikariDataSource ownedPool,
      String database,
      Clock clock,
      GetLockEngineLock.Connections lockConnections,
      Duration engineLockCheck) {
    super(
        MariaDbDialect.INSTANCE,
        quoteIdentifier(database) + "." + TABLE,
        "database '" + database + "'",
        clock);
    this.dataSource = dataSource;
    this.migrationSource = migrationSource;
    this.ownedPool = ownedPool;
    this.database = database;
    this.lockConnections = lockConnections;
    this.engineLockCheck = engineLockCheck;
    this.jdbi = Jdbi.create(dataSource);
    // Jdbi's messages may render bound arguments (params); keep them out of exceptions.
    jdbi.getConfig(StatementExceptions.class)
        .setMessageRendering(StatementExceptions.MessageRendering.NONE);
  }

  /**
   * A transaction per call also makes the store correct over a DataSource whose connections are not
   * in auto-commit mode. READ COMMITTED, not InnoDB's REPEATABLE READ: a claim's {@code FOR UPDATE
   * SKIP LOCKED} would otherwise take gap locks over the due range that block every insert of a
   * timer due within it until the claim commits (and keep non-matching rows locked).
   * Compare-and-set statements read the latest committed row either way.
   */
  @Override
  protected <T> T inTransaction(String operation, String id, boolean write, Work<T> work)
      throws SQLException {
    return jdbi.inTransaction(TransactionIsolationLevel.READ_COMMITTED, work::run);
  }

  /**
   * A builder over a {@link DataSource} the caller owns: the store never closes it. Migrations
   * (Flyway) hold two connections at once, so a pool behind it needs at least two.
   *
   * @param dataSource connections to the MariaDB or MySQL server
   * @return a new builder
   */
  public static Builder builder(DataSource dataSource) {
    return new Builder(Objects.requireNonNull(dataSource, "dataSource"), null);
  }

  /**
   * A builder over a JDBC URL: the store creates a small HikariCP pool for it and closes the pool
   * in {@link #close()}.
   *
   * @param jdbcUrl a {@code jdbc:mariadb:} URL (MariaDB Connector/J also speaks to MySQL; {@code
   *     jdbc:mysql:} is accepted and read as {@code jdbc:mariadb:})
   * @return a new builder
   */
  public static Builder builder(String jdbcUrl) {
    Objects.requireNonNull(jdbcUrl, "jdbcUrl");
    if (jdbcUrl.startsWith("jdbc:mysql:")) {
      jdbcUrl = "jdbc:mariadb:" + jdbcUrl.substring("jdbc:mysql:".length());
    }
    if (!jdbcUrl.startsWith("jdbc:mariadb:")) {
      throw new IllegalArgumentException("jdbcUrl must start with jdbc:mariadb: or jdbc:mysql:");
    }
    return new Builder(null, jdbcUrl);
  }

  /**
   * A store over a JDBC URL with a pool of its own, in the URL's database, migrated. Same as {@code
   * builder(jdbcUrl).build()}.
   *
   * @param jdbcUrl a {@code jdbc:mariadb:} or {@code jdbc:mysql:} URL naming a database
   * @return the open store; the caller closes it
   * @throws StoreException when the server cannot be reached or migrated
   */
  public static MariaDbStore fromUrl(String jdbcUrl) {
    return builder(jdbcUrl).build();
  }

  /**
   * The database holding this store's table.
   *
   * @return the database name
   */
  public String database() {
    return database;
  }

  /**
   * Creates or upgrades this store's table with Flyway. Runs at {@link Builder#build()} unless
   * disabled; running it again is a no-op.
   *
   * @return how many migrations were applied (0 when the table was up to date)
   * @throws StoreException when a migration fails
   */
  public int migrate() {
    return migrate(migrationSource, database);
  }

  private static int migrate(DataSource dataSource, String database) {
    try {
      Flyway flyway =
          Flyway.configure(MariaDbStore.class.getClassLoader())
              .dataSource(dataSource)
              .schemas(database)
              .createSchemas(true)
              .table(HISTORY_TABLE)
              .locations(MIGRATION_LOCATION)
              .failOnMissingLocations(true)
              .placeholders(Map.of("binaryCollation", binaryCollation(dataSource)))
              // A database that already holds the host's tables has no history of ours yet.
              .baselineOnMigrate(true)
              .baselineVersion("0")
              .load();
      int applied = flyway.migrate().migrationsExecuted;
      if (applied > 0) {
        LOG.info("Persistent Timers: applied {} migration(s) to database {}", applied, database);
      }
      return applied;
    } catch (RuntimeException e) {
      throw MariaDbErrors.wrap("migration of database '" + database + "'", e);
    }
  }

  /**
   * The binary, NO PAD utf8mb4 collation of the server: MariaDB's {@code utf8mb4_nopad_bin}, MySQL
   * 8's {@code utf8mb4_0900_bin}. Refuses a server that has neither (MySQL 5.7, MariaDB before
   * 10.2), whose {@code utf8mb4_bin} would call {@code 'a'} and {@code 'a '} one id.
   */
  static String binaryCollation(DataSource dataSource) {
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "SELECT COLLATION_NAME FROM information_schema.COLLATIONS"
                    + " WHERE COLLATION_NAME IN ('utf8mb4_nopad_bin', 'utf8mb4_0900_bin')"
                    + " ORDER BY COLLATION_NAME DESC");
        ResultSet rs = ps.executeQuery()) {
      if (rs.next()) {
        return rs.getString(1);
      }
      throw new StoreException(
          "MariaDB store: the server has neither utf8mb4_nopad_bin (MariaDB 10.2+) nor"
              + " utf8mb4_0900_bin (MySQL 8.0+), so ids cannot compare byte for byte; use"
              + " MariaDB 10.6+ or MySQL 8.0+");
    } catch (SQLException e) {
      throw MariaDbErrors.wrap("reading the server's collations", e);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Multi-node: leases (see ClaimingStore). Every lease is judged by the server's UTC_TIMESTAMP.

  /**
   * {@inheritDoc}
   *
   * <p>Three statements in one transaction, as MySQL has no {@code UPDATE … RETURNING}: the due ids
   * read {@code FOR UPDATE SKIP LOCKED}, their lease taken, and their rows read back.
   */
  @Override
  public List<TimerRecord> claimDue(String node, Instant before, int limit, Duration lease) {
    Objects.requireNonNull(node, "node");
    Objects.requireNonNull(before, "before");
    if (limit < 1) {
      throw new IllegalArgumentException("limit must be >= 1: " + limit);
    }
    return readTimers(
        "claim due timers for node '" + node + "'",
        true,
        h -> {
          List<String> ids =
              h.createQuery(
                      "SELECT id FROM "
                          + table()
                          + " WHERE status = 'ACTIVE' AND next_fire_at < :before"
                          + " AND (owner IS NULL OR owner = :node OR lease_until < "
                          + NOW
                          + ") ORDER BY next_fire_at, id LIMIT :limit FOR UPDATE SKIP LOCKED")
                  .bind("before", instant(ceilMillis(before)))
                  .bind("node", node)
                  .bind("limit", limit)
                  .mapTo(String.class)
                  .list();
          if (ids.isEmpty()) {
            return h.createQuery(selectTimers() + " WHERE FALSE");
          }
          // Taking a timer from another node bumps its version (the fencing token) and lease
          // epoch; re-claiming one's own or an unowned timer keeps the version, so armed timers
          // stay valid. MySQL assigns left to right: owner is set last.
          h.createUpdate(
                  "UPDATE "
                      + table()
                      + " SET version = CASE WHEN owner IS NULL OR owner = :node"
                      + " THEN version ELSE version + 1 END,"
                      + " lease_epoch = CASE WHEN owner IS NULL OR owner = :node"
                      + " THEN lease_epoch ELSE lease_epoch + 1 END,"
                      + " lease_until = "
                      + LEASE_END
                      + ", owner = :node WHERE id IN (<ids>)")
              .bind("node", node)
              .bind("leaseMicros", lease.toMillis() * 1000)
              .bindList("ids", ids)
              .execute();
          return h.createQuery(selectTimers() + " WHERE id IN (<ids>) ORDER BY next_fire_at, id")
              .bindList("ids", ids);
        });
  }

  /** {@inheritDoc} */
  @Override
  public Set<String> renewLeases(String node, Collection<String> ids, Duration lease) {
    Objects.requireNonNull(node, "node");
    Objects.requireNonNull(ids, "ids");
    if (ids.isEmpty()) {
      return Set.of();
    }
    return run(
        "renew " + ids.size() + " leases of node '" + node + "'",
        null,
        true,
        h -> {
          // The rows are read and locked first: the UPDATE's count cannot name the ids it changed.
          Set<String> renewed = new LinkedHashSet<>();
          for (List<String> chunk : chunks(ids)) {
            renewed.addAll(
                h.createQuery(
                        "SELECT id FROM "
                            + table()
                            + " WHERE owner = :node AND id IN (<ids>) FOR UPDATE")
                    .bind("node", node)
                    .bindList("ids", chunk)
                    .mapTo(String.class)
                    .list());
          }
          for (List<String> chunk : chunks(renewed)) {
            h.createUpdate(
                    "UPDATE "
                        + table()
                        + " SET lease_until = "
                        + LEASE_END
                        + " WHERE id IN (<ids>)")
                .bind("leaseMicros", lease.toMillis() * 1000)
                .bindList("ids", chunk)
                .execute();
          }
          return renewed;
        });
  }

  /** {@inheritDoc} */
  @Override
  public Map<String, TimerRecord> getAllIfOwned(Collection<String> ids, String node) {
    Objects.requireNonNull(ids, "ids");
    Objects.requireNonNull(node, "node");
    Map<String, TimerRecord> found = new HashMap<>();
    for (List<String> chunk : chunks(ids)) {
      readTimers(
              "get " + chunk.size() + " timers owned by node '" + node + "'",
              false,
              h ->
                  h.createQuery(
                          selectTimers()
                              + " WHERE id IN (<ids>) AND owner = :node AND lease_until > "
                              + NOW)
                      .bindList("ids", chunk)
                      .bind("node", node))
          .forEach(r -> found.put(r.id(), r));
    }
    return found;
  }

  /** {@inheritDoc} */
  @Override
  public int releaseAllLeases(String node) {
    Objects.requireNonNull(node, "node");
    return run(
        "release the leases of node '" + node + "'",
        null,
        true,
        h ->
            h.createUpdate(
                    "UPDATE "
                        + table()
                        + " SET owner = NULL, lease_until = NULL WHERE owner = :node")
                .bind("node", node)
                .execute());
  }

  /** {@inheritDoc} Judged by the server's UTC clock, as every lease is. */
  @Override
  public List<LeaseHolder> leaseHolders() {
    return run(
        "list the lease holders",
        null,
        false,
        h ->
            h.createQuery(
                    "SELECT owner, COUNT(*), SUM(CASE WHEN lease_until < "
                        + NOW
                        + " THEN 1 ELSE 0 END) FROM "
                        + table()
                        + " WHERE owner IS NOT NULL GROUP BY owner ORDER BY owner")
                .map((rs, ctx) -> new LeaseHolder(rs.getString(1), rs.getLong(2), rs.getLong(3)))
                .list());
  }

  /** The connections the store works on (for tests in this package). */
  DataSource dataSource() {
    return dataSource;
  }

  /** {@inheritDoc} */
  @Override
  public int releaseLeases(String node, Collection<String> ids) {
    Objects.requireNonNull(node, "node");
    Objects.requireNonNull(ids, "ids");
    if (ids.isEmpty()) {
      return 0;
    }
    return run(
        "release " + ids.size() + " leases of node '" + node + "'",
        null,
        true,
        h -> {
          int released = 0;
          for (List<String> chunk : chunks(ids)) {
            released +=
                h.createUpdate(
                        "UPDATE "
                            + table()
                            + " SET owner = NULL, lease_until = NULL"
                            + " WHERE owner = :node AND id IN (<ids>)")
                    .bind("node", node)
                    .bindList("ids", chunk)
                    .execute();
          }
          return released;
        });
  }

  private static List<List<String>> chunks(Collection<String> ids) {
    List<String> all = List.copyOf(ids);
    List<List<String>> chunks = new ArrayList<>();
    for (int i = 0; i < all.size(); i += IDS_PER_STATEMENT) {
      chunks.add(all.subList(i, Math.min(all.size(), i + IDS_PER_STATEMENT)));
    }
    return chunks;
  }

  static String quoteIdentifier(String name) {
    return "`" + name.replace("`", "``") + "`";
  }

  /**
   * {@inheritDoc}
   *
   * <p>Named user locks ({@code GET_LOCK}) keyed by this store's database and table, held on a
   * connection of its own that is never one of the pool's: a new unpooled connection for a store
   * built from a JDBC URL; for a caller's {@code DataSource}, one from {@link
   * Builder#engineLockDataSource}, else a new connection with the settings of the caller's {@code
   * HikariDataSource} (JDBC URL, user, password, data source properties) or from the {@code
   * MariaDbDataSource} it is. For any other {@code DataSource} without {@code engineLockDataSource}
   * this throws a {@link StoreException} that says so. At most 64 multi-node engines share a table.
   *
   * <p>When the holding process dies, the server ends its session and the lock with it: at once for
   * a killed process, after {@code wait_timeout} or TCP keepalive for a host that vanished (the
   * refusal names the session to {@code KILL}). If the lock's connection breaks while the engine
   * runs, the store notices within a few seconds, logs an ERROR, and takes the lock again as soon
   * as the server answers.
   *
   * @throws StoreInUseException when another engine's lock excludes this one
   */
  @Override
  public EngineLock lockForEngine(boolean multiNode) {
    if (lockConnections == null) {
      throw new StoreException(
          "MariaDB store: cannot open a dedicated connection for the engine lock from the given"
              + " DataSource ("
              + dataSource.getClass().getName()
              + ", neither a HikariDataSource with a JDBC URL nor a MariaDbDataSource); pass one"
              + " with MariaDbStore.Builder.engineLockDataSource(...), e.g. a MariaDbDataSource"
              + " for the same server");
    }
    try {
      return GetLockEngineLock.acquire(
          lockConnections, database, TABLE, multiNode, engineLockCheck);
    } catch (SQLException e) {
      throw MariaDbErrors.wrap("taking the engine lock on database '" + database + "'", e);
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

  /** The database and table, for logs; never connection credentials. */
  @Override
  public String toString() {
    return "MariaDbStore[database=" + database + ", table=" + TABLE + "]";
  }

  /**
   * Configures a {@link MariaDbStore}. Obtain one from {@link MariaDbStore#builder(DataSource)} or
   * {@link MariaDbStore#builder(String)}.
   */
  public static final class Builder {
    private final DataSource dataSource;
    private final String jdbcUrl;
    private String database;
    private String user;
    private String password;
    private int poolSize = 4;
    private Duration connectionTimeout = Duration.ofSeconds(10);
    private Duration socketTimeout = Duration.ofSeconds(30);
    private Duration lockWaitTimeout = Duration.ofSeconds(20);
    private Duration idleInTransactionTimeout = Duration.ofSeconds(10);
    private boolean migrate = true;
    private Clock clock = Clock.systemUTC();
    private DataSource engineLockDataSource;
    private Duration engineLockCheck = Duration.ofSeconds(5);

    private Builder(DataSource dataSource, String jdbcUrl) {
      this.dataSource = dataSource;
      this.jdbcUrl = jdbcUrl;
    }

    /**
     * The database for the store's table; created when missing. Default: the connection's current
     * database ({@code DATABASE()}, the one named in the JDBC URL). At most 64 characters, without
     * NUL, and not ending in a space (MariaDB's and MySQL's rules for database names); refused here
     * otherwise.
     *
     * @param database the database name
     * @return this builder
     */
    public Builder database(String database) {
      Objects.requireNonNull(database, "database");
      if (database.isBlank()) {
        throw new IllegalArgumentException("database must not be blank");
      }
      if (database.codePointCount(0, database.length()) > 64) {
        throw new IllegalArgumentException(
            "database must be at most 64 characters (the server's identifier limit): got "
                + database.codePointCount(0, database.length()));
      }
      if (database.indexOf('\0') >= 0 || database.endsWith(" ")) {
        throw new IllegalArgumentException(
            "database must not contain NUL nor end with a space: '" + database + "'");
      }
      this.database = database;
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
     * How long a call waits for a connection of the store's own pool, and how long opening a
     * connection may take (URL builder only); default 10 seconds.
     *
     * @param connectionTimeout the longest wait for a connection, at least 250 ms
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
     * call fails with a {@link StoreException} and the connection is dropped (Connector/J's {@code
     * socketTimeout}); default 30 seconds. This ends a call when the network stalls. It applies to
     * the store's pool and to the connections it opens for migrations and the engine lock (URL
     * builder only).
     *
     * @param socketTimeout at least 1 second
     * @return this builder
     */
    public Builder socketTimeout(Duration socketTimeout) {
      requireUrl("socketTimeout");
      Objects.requireNonNull(socketTimeout, "socketTimeout");
      if (socketTimeout.toMillis() < 1000 || socketTimeout.toMillis() > Integer.MAX_VALUE) {
        throw new IllegalArgumentException(
            "socketTimeout must be at least 1 second: " + socketTimeout);
      }
      this.socketTimeout = socketTimeout;
      return this;
    }

    /**
     * How long a statement of the store's pool waits for a row lock another transaction holds (a
     * host transaction that inserted the same id) before it fails with a retryable {@link
     * StoreException}: the session's {@code innodb_lock_wait_timeout}, whole seconds; default 20
     * seconds, below {@link #socketTimeout} (URL builder only).
     *
     * @param lockWaitTimeout whole seconds, 1 to 3600
     * @return this builder
     */
    public Builder lockWaitTimeout(Duration lockWaitTimeout) {
      requireUrl("lockWaitTimeout");
      Objects.requireNonNull(lockWaitTimeout, "lockWaitTimeout");
      if (lockWaitTimeout.getSeconds() < 1 || lockWaitTimeout.getSeconds() > 3600) {
        throw new IllegalArgumentException(
            "lockWaitTimeout must be between 1 and 3600 seconds: " + lockWaitTimeout);
      }
      this.lockWaitTimeout = lockWaitTimeout;
      return this;
    }

    /**
     * How long MariaDB lets a session of the store's pool sit idle inside a transaction before it
     * ends the session and rolls the transaction back (the session's {@code
     * idle_transaction_timeout}), whole seconds; default 10 seconds; {@link Duration#ZERO} for
     * none. The store never waits inside its own transactions, so only a stalled client hits it: a
     * node paused (a long GC pause, {@code SIGSTOP}, a partition) inside a claim, a lease renewal
     * or a write would otherwise keep those rows locked, and other nodes' claims, which skip locked
     * rows, could not take them over, however long the pause. The paused call fails when the node
     * resumes and is retried like any failed call. MySQL has no such setting and ignores this one
     * (it is sent in a MariaDB-only comment); there, and over a caller's {@code DataSource}, set a
     * bound on the server (URL builder only).
     *
     * @param idleInTransactionTimeout whole seconds, 0 (none) to 31536000
     * @return this builder
     */
    public Builder idleInTransactionTimeout(Duration idleInTransactionTimeout) {
      requireUrl("idleInTransactionTimeout");
      Objects.requireNonNull(idleInTransactionTimeout, "idleInTransactionTimeout");
      if (idleInTransactionTimeout.isNegative()
          || idleInTransactionTimeout.getSeconds() > 31_536_000
          || (idleInTransactionTimeout.getSeconds() == 0 && !idleInTransactionTimeout.isZero())) {
        throw new IllegalArgumentException(
            "idleInTransactionTimeout must be zero or between 1 and 31536000 seconds: "
                + idleInTransactionTimeout);
      }
      this.idleInTransactionTimeout = idleInTransactionTimeout;
      return this;
    }

    /**
     * Whether {@link #build()} runs the migrations; default true. Turn off when the table is
     * migrated separately, then call {@link MariaDbStore#migrate()}.
     *
     * @param migrate false when the table is migrated separately
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
     * Where the engine lock's connection comes from (see {@link MariaDbStore#lockForEngine}): a
     * {@code DataSource} that opens a new connection to the same server per call, such as a {@code
     * MariaDbDataSource}, never a pool. Needed only for a caller's {@code DataSource} that is
     * neither a {@code HikariDataSource} configured with a JDBC URL nor a {@code
     * MariaDbDataSource}.
     *
     * @param engineLockDataSource opens a new connection per call
     * @return this builder
     */
    public Builder engineLockDataSource(DataSource engineLockDataSource) {
      this.engineLockDataSource =
          Objects.requireNonNull(engineLockDataSource, "engineLockDataSource");
      return this;
    }

    /** How often a held engine lock's connection is checked; default 5 seconds. For tests. */
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
     * Connects, resolves the database, runs the migrations (unless disabled) and returns the store.
     *
     * @return the open store; the caller closes it
     * @throws StoreException when the server cannot be reached or migrated
     */
    public MariaDbStore build() {
      HikariDataSource pool = jdbcUrl == null ? null : createPool();
      DataSource source = pool != null ? pool : dataSource;
      // Flyway holds two connections at once; on the store's own pool it uses unpooled ones.
      DataSource migrationSource = pool != null ? unpooled() : dataSource;
      try {
        String resolved = database != null ? database : currentDatabase(source);
        if (migrate) {
          MariaDbStore.migrate(migrationSource, resolved);
        }
        GetLockEngineLock.Connections lockConnections =
            engineLockDataSource != null
                ? engineLockDataSource::getConnection
                : pool != null ? migrationSource::getConnection : dedicatedConnections(dataSource);
        MariaDbStore store =
            new MariaDbStore(
                source, migrationSource, pool, resolved, clock, lockConnections, engineLockCheck);
        LOG.info(
            "Persistent Timers MariaDB store: database {}, table {}, {}",
            resolved,
            TABLE,
            pool != null
                ? "own pool of "
                    + poolSize
                    + " connections (connectionTimeout "
                    + connectionTimeout
                    + ", socketTimeout "
                    + socketTimeout
                    + ", lockWaitTimeout "
                    + lockWaitTimeout
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
      config.setValidationTimeout(Math.max(250, Math.min(5000, connectionTimeout.toMillis() / 2)));
      config.setPoolName("persistent-timers");
      config.setAutoCommit(true);
      // The store's isolation level (see inTransaction), so Jdbi need not switch it per call.
      config.setTransactionIsolation("TRANSACTION_READ_COMMITTED");
      // idle_transaction_timeout is MariaDB's (10.3+); MySQL skips the /*M! ... */ comment.
      config.setConnectionInitSql(
          "SET SESSION innodb_lock_wait_timeout = "
              + lockWaitTimeout.getSeconds()
              + " /*M!100300 , idle_transaction_timeout = "
              + idleInTransactionTimeout.getSeconds()
              + " */");
      connectionProperties().forEach(config::addDataSourceProperty);
      try {
        return new HikariDataSource(config);
      } catch (RuntimeException e) {
        throw MariaDbErrors.wrap("connecting to " + redact(jdbcUrl), e);
      }
    }

    private DataSource unpooled() {
      try {
        MariaDbDataSource simple = new MariaDbDataSource(withProperties(jdbcUrl));
        if (user != null) {
          simple.setUser(user);
        }
        if (password != null) {
          simple.setPassword(password);
        }
        return simple;
      } catch (SQLException e) {
        throw MariaDbErrors.wrap("reading the JDBC URL " + redact(jdbcUrl), e);
      }
    }

    /**
     * Connector/J settings for every connection the store opens: connect within the connection
     * timeout, any answer within the socket timeout; no query text in exception messages.
     */
    private Map<String, Object> connectionProperties() {
      return Map.of(
          "connectTimeout", String.valueOf(connectionTimeout.toMillis()),
          "socketTimeout", String.valueOf(socketTimeout.toMillis()),
          "dumpQueriesOnException", "false");
    }

    private String withProperties(String url) {
      StringBuilder sb = new StringBuilder(url).append(url.contains("?") ? '&' : '?');
      connectionProperties().forEach((k, v) -> sb.append(k).append('=').append(v).append('&'));
      return sb.substring(0, sb.length() - 1);
    }

    /**
     * New connections with the settings of a caller's {@code DataSource}, never from its pool: the
     * {@code MariaDbDataSource} it is or wraps, or the JDBC URL and credentials of a {@code
     * HikariDataSource}. Null for any other.
     */
    private static GetLockEngineLock.Connections dedicatedConnections(DataSource caller) {
      try {
        if (caller.isWrapperFor(MariaDbDataSource.class)) {
          MariaDbDataSource simple = caller.unwrap(MariaDbDataSource.class);
          return simple::getConnection;
        }
      } catch (SQLException | RuntimeException e) {
        // not a wrapper of one
      }
      if (caller instanceof HikariDataSource hikari
          && hikari.getJdbcUrl() != null
          && (hikari.getJdbcUrl().startsWith("jdbc:mariadb:")
              || hikari.getJdbcUrl().startsWith("jdbc:mysql:"))) {
        String url = hikari.getJdbcUrl();
        java.util.Properties properties = new java.util.Properties();
        properties.putAll(hikari.getDataSourceProperties());
        if (hikari.getUsername() != null) {
          properties.setProperty("user", hikari.getUsername());
        }
        if (hikari.getPassword() != null) {
          properties.setProperty("password", hikari.getPassword());
        }
        org.mariadb.jdbc.Driver driver = new org.mariadb.jdbc.Driver();
        String mariadbUrl =
            url.startsWith("jdbc:mysql:")
                ? "jdbc:mariadb:" + url.substring("jdbc:mysql:".length())
                : url;
        return () -> driver.connect(mariadbUrl, properties);
      }
      return null;
    }

    private static String currentDatabase(DataSource source) {
      try (Connection connection = source.getConnection();
          PreparedStatement ps = connection.prepareStatement("SELECT DATABASE()");
          ResultSet rs = ps.executeQuery()) {
        String current = rs.next() ? rs.getString(1) : null;
        if (current == null) {
          throw new StoreException(
              "MariaDB store: the connection has no current database (none in the JDBC URL); name"
                  + " one in the URL or with MariaDbStore.Builder.database(...)");
        }
        return current;
      } catch (SQLException e) {
        throw MariaDbErrors.wrap("reading the current database", e);
      }
    }

    private static String redact(String url) {
      return url.replaceAll("(?i)(password=)[^&]*", "$1***");
    }
  }
}
