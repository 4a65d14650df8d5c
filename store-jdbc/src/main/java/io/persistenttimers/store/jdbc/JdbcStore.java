package io.persistenttimers.store.jdbc;

import io.persistenttimers.StoreException;
import io.persistenttimers.TimerQuery;
import io.persistenttimers.TimerRecord;
import io.persistenttimers.spi.Store;
import io.persistenttimers.spi.Write;
import io.persistenttimers.store.jdbc.internal.BatchWriter;
import io.persistenttimers.store.jdbc.internal.QueryFilter;
import io.persistenttimers.store.jdbc.internal.RowCodec;
import io.persistenttimers.store.jdbc.internal.RowCodec.Readable;
import io.persistenttimers.store.jdbc.internal.RowCodec.Row;
import io.persistenttimers.store.jdbc.internal.RowCodec.Unreadable;
import io.persistenttimers.store.jdbc.internal.StoreErrors;
import io.persistenttimers.store.jdbc.internal.TimerTable;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Callable;
import org.jdbi.v3.core.ConnectionException;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Handles;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.Query;
import org.jdbi.v3.core.statement.SqlStatement;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link Store} over one SQL table, {@code persistent_timers}, for any database a {@link Dialect}
 * describes: reads by id and by query, the batched writer, removal, purge, quarantine of unreadable
 * rows and error translation. A subclass supplies its connections and transactions ({@link
 * #inTransaction}), its engine lock and {@link #close()}; a claiming store adds its lease
 * statements.
 *
 * <p>Every call is one transaction. A row that cannot be decoded is never dropped and never fails a
 * whole call: it is marked QUARANTINED (version raised by one, the reason in {@code last_error}),
 * logged at WARN with its id, and left out of the results; {@link #remove} deletes it like any
 * other. Failures surface as {@link StoreException} naming the operation, the timer id and {@link
 * #toString() the database}, retryable or not as the dialect judges, never with params.
 */
public abstract class JdbcStore implements Store {
  private static final Logger log = LoggerFactory.getLogger(JdbcStore.class);

  private final Dialect dialect;
  private final TimerTable table;
  private final RowCodec codec;
  private final BatchWriter writer;
  private final StoreErrors errors;
  private final Clock clock;

  /**
   * The shared part of a SQL store.
   *
   * @param dialect the database's dialect
   * @param table the timer table, qualified and quoted as the database needs
   * @param where the database for messages (a file, a schema), never credentials
   * @param clock the clock for the {@code updated_at} of rows the store quarantines
   */
  protected JdbcStore(Dialect dialect, String table, String where, Clock clock) {
    this.dialect = Objects.requireNonNull(dialect, "dialect");
    this.table = new TimerTable(dialect, Objects.requireNonNull(table, "table"));
    this.codec = new RowCodec(dialect);
    this.writer = new BatchWriter(dialect, this.table, codec);
    this.errors = new StoreErrors(dialect, Objects.requireNonNull(where, "where"));
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /**
   * Work on a handle inside a transaction the store opened.
   *
   * @param <T> the result
   */
  @FunctionalInterface
  protected interface Work<T> {
    /**
     * Does the work.
     *
     * @param handle the handle, in its transaction
     * @return the result
     * @throws SQLException from the driver
     */
    T run(Handle handle) throws SQLException;
  }

  /**
   * Runs {@code work} in one transaction and commits it before returning, or rolls it back and
   * throws. This is where a store's connections, locks and transaction start live. Exceptions other
   * than {@link StoreException} are translated by the caller.
   *
   * @param <T> the result
   * @param operation what is done, for messages ("write batch of 3")
   * @param id the timer concerned, or null
   * @param write whether the work changes rows
   * @param work the work
   * @return the work's result
   * @throws Exception whatever the work or the driver threw
   */
  protected abstract <T> T inTransaction(String operation, String id, boolean write, Work<T> work)
      throws Exception;

  /**
   * Runs {@code work}, which is exactly one statement, so that the server commits it as the
   * statement ends, without a {@code COMMIT} the client must still send. A client paused after the
   * statement (a {@code SIGSTOP}, a long GC pause, a partition) then holds none of its row locks,
   * which matters for lease statements: another node's {@code SKIP LOCKED} claim would pass over
   * every locked row for as long as the pause lasts. The default runs {@link #inTransaction}; a
   * store whose connections auto-commit overrides it.
   *
   * @param <T> the result
   * @param operation what is done, for messages
   * @param id the timer concerned, or null
   * @param work the work: one statement
   * @return the work's result
   * @throws Exception whatever the work or the driver threw
   */
  protected <T> T inOneStatement(String operation, String id, Work<T> work) throws Exception {
    return inTransaction(operation, id, true, work);
  }

  /**
   * Called inside a transaction that inserted at least one timer, before it commits; the default
   * does nothing. PostgreSQL sends its notification here.
   *
   * @param handle the handle, in its transaction
   * @throws SQLException from the driver
   */
  protected void afterInsert(Handle handle) throws SQLException {}

  /**
   * Whether {@link #afterInsert} does anything; default false. When it does, an insert is never run
   * as a lone statement ({@link #inOneStatement}), so the insert and its after-work commit
   * together.
   *
   * @return whether {@link #afterInsert} is overridden to do work
   */
  protected boolean hasAfterInsert() {
    return false;
  }

  /**
   * Called before an insert through a host's connection; a store that can tell it must not write
   * (closed, its file replaced) throws here. The default does nothing.
   *
   * @param id the timer id
   */
  protected void beforeHostInsert(String id) {}

  /**
   * The dialect.
   *
   * @return the dialect
   */
  protected final Dialect dialect() {
    return dialect;
  }

  /**
   * The table as used in statements.
   *
   * @return the table name
   */
  protected final String table() {
    return table.name();
  }

  /**
   * {@code SELECT <every column> FROM <table>}, for a subclass's own reads.
   *
   * @return the statement's start
   */
  protected final String selectTimers() {
    return table.select();
  }

  /**
   * The select list of every column, for a subclass's {@code RETURNING}.
   *
   * @return the select list
   */
  protected final String timerColumns() {
    return table.selectList();
  }

  /**
   * Runs {@code work} through {@link #inTransaction}, translating failures.
   *
   * @param <T> the result
   * @param operation what is done, for messages
   * @param id the timer concerned, or null
   * @param write whether the work changes rows
   * @param work the work
   * @return the work's result
   * @throws StoreException when it failed
   */
  protected final <T> T run(String operation, String id, boolean write, Work<T> work) {
    return translating(operation, id, () -> inTransaction(operation, id, write, work));
  }

  /**
   * Runs {@code work}, one writing statement, through {@link #inOneStatement}, translating
   * failures.
   *
   * @param <T> the result
   * @param operation what is done, for messages
   * @param id the timer concerned, or null
   * @param work the work: one statement
   * @return the work's result
   * @throws StoreException when it failed
   */
  protected final <T> T runOneStatement(String operation, String id, Work<T> work) {
    return translating(operation, id, () -> inOneStatement(operation, id, work));
  }

  private <T> T translating(String operation, String id, Callable<T> call) {
    try {
      return call.call();
    } catch (StoreException e) {
      throw e;
    } catch (Exception e) {
      throw errors.failure(operation, id, e);
    }
  }

  /**
   * Like {@link #readTimers} for one writing statement that returns timer rows ({@code UPDATE …
   * RETURNING}), run through {@link #inOneStatement}.
   *
   * @param operation what is done, for messages
   * @param query creates the statement on the handle
   * @return the records
   */
  protected final List<TimerRecord> readTimersInOneStatement(
      String operation, java.util.function.Function<Handle, Query> query) {
    return readable(
        runOneStatement(operation, null, h -> query.apply(h).map(codec.mapper()).list()));
  }

  /**
   * Reads timers with {@code query} (built from {@link #selectTimers}), quarantines the unreadable
   * rows, and returns the readable ones in the order read.
   *
   * @param operation what is done, for messages
   * @param write whether the work changes rows (a claim)
   * @param query creates the query on the handle
   * @return the records
   */
  protected final List<TimerRecord> readTimers(
      String operation, boolean write, java.util.function.Function<Handle, Query> query) {
    List<Row> rows = run(operation, null, write, h -> query.apply(h).map(codec.mapper()).list());
    return readable(rows);
  }

  /**
   * An argument binding {@code instant} as the dialect stores instants.
   *
   * @param instant the instant, or null
   * @return the argument
   */
  protected final org.jdbi.v3.core.argument.Argument instant(Instant instant) {
    return codec.instant(instant);
  }

  /**
   * The first whole millisecond at or after {@code instant}: stored instants are whole
   * milliseconds, so {@code stored < instant} is {@code stored < ceilMillis(instant)}.
   *
   * @param instant the bound
   * @return the bound rounded up to the millisecond
   */
  protected static Instant ceilMillis(Instant instant) {
    return QueryFilter.ceilMillis(instant);
  }

  // --- the Store SPI --------------------------------------------------------------------------

  /** One statement per {@link Dialect#maxIdsPerStatement()} ids. */
  @Override
  public Map<String, TimerRecord> getAll(Collection<String> ids) {
    Objects.requireNonNull(ids, "ids");
    Map<String, TimerRecord> found = new HashMap<>();
    List<String> all = List.copyOf(ids);
    int chunk = dialect.maxIdsPerStatement();
    for (int from = 0; from < all.size(); from += chunk) {
      List<String> part = all.subList(from, Math.min(all.size(), from + chunk));
      String operation = part.size() == 1 ? "get" : "get " + part.size() + " timers";
      List<Row> rows =
          run(
              operation,
              part.get(0),
              false,
              h ->
                  bindIds(h.createQuery(table.select() + " WHERE " + idIn()), part)
                      .map(codec.mapper())
                      .list());
      readable(rows).forEach(r -> found.put(r.id(), r));
    }
    return found;
  }

  /**
   * Reads in due order with the query's limit; when unreadable rows took places, the next page
   * (after the last row read, by due time and id) fills them.
   */
  @Override
  public List<TimerRecord> list(TimerQuery query) {
    Objects.requireNonNull(query, "query");
    QueryFilter filter = new QueryFilter(query, codec);
    String operation = "list timers " + QueryFilter.describe(query);
    List<TimerRecord> result = new ArrayList<>();
    Row last = null;
    while (result.size() < query.limit()) {
      int want = query.limit() - result.size();
      Row after = last;
      List<Row> rows =
          run(
              operation,
              query.id(),
              false,
              h -> {
                String where =
                    after == null
                        ? filter.where()
                        : filter.whereAnd(
                            // The leading bound alone is what an index range can start from;
                            // the OR form by itself made PostgreSQL walk the index from its
                            // first entry (116 ms for a page in the middle of a million).
                            "next_fire_at >= :k_due"
                                + " AND (next_fire_at > :k_due OR id > :k_id)");
                Query q =
                    filter.bind(
                        h.createQuery(
                            table.select() + where + " ORDER BY next_fire_at, id LIMIT :limit"));
                if (after != null) {
                  q.bind("k_due", codec.instant(after.due())).bind("k_id", after.id());
                }
                return q.bind("limit", want).map(codec.mapper()).list();
              });
      result.addAll(readable(rows));
      if (rows.size() < want || rows.get(rows.size() - 1).due() == null) {
        break;
      }
      last = rows.get(rows.size() - 1);
    }
    return result;
  }

  @Override
  public long count(TimerQuery query) {
    Objects.requireNonNull(query, "query");
    QueryFilter filter = QueryFilter.forCount(query, codec);
    return run(
        "count timers " + QueryFilter.describe(query),
        query.id(),
        false,
        h ->
            filter
                .bind(h.createQuery("SELECT COUNT(*) FROM " + table.name() + filter.where()))
                .mapTo(Long.class)
                .one());
  }

  /**
   * Counts over at most {@code atMost + 1} matching rows, so an index range bounds the cost. The
   * order is what makes it an index range: without it, PostgreSQL's plan for a bound it cannot see
   * (a prepared {@code next_fire_at < ?}) was a table scan, which reads every row when fewer than
   * {@code atMost} match (500 ms at a million timers).
   */
  @Override
  public long count(TimerQuery query, int atMost) {
    Objects.requireNonNull(query, "query");
    Store.requireCountCap(atMost);
    QueryFilter filter = QueryFilter.forCount(query, codec);
    return run(
        "count timers " + QueryFilter.describe(query) + "up to " + atMost,
        query.id(),
        false,
        h ->
            filter
                .bind(
                    h.createQuery(
                        "SELECT COUNT(*) FROM (SELECT 1 FROM "
                            + table.name()
                            + filter.where()
                            + " ORDER BY next_fire_at, id LIMIT :cap) capped"))
                .bind("cap", atMost + 1)
                .mapTo(Long.class)
                .one());
  }

  /** One grouped count over the first {@code atMost + 1} matching rows in due order. */
  @Override
  public java.util.SortedMap<String, Long> countByCallbackType(TimerQuery query, int atMost) {
    Objects.requireNonNull(query, "query");
    Store.requireCountCap(atMost);
    QueryFilter filter = QueryFilter.forCount(query, codec);
    return run(
        "count timers by callback type " + QueryFilter.describe(query) + "up to " + atMost,
        query.id(),
        false,
        h -> {
          java.util.SortedMap<String, Long> counts = new java.util.TreeMap<>();
          filter
              .bind(
                  h.createQuery(
                      "SELECT callback_type, COUNT(*) FROM (SELECT callback_type FROM "
                          + table.name()
                          + filter.where()
                          + " ORDER BY next_fire_at, id LIMIT :cap) capped"
                          + " GROUP BY callback_type"))
              .bind("cap", atMost + 1)
              .map((rs, ctx) -> java.util.Map.entry(rs.getString(1), rs.getLong(2)))
              .forEach(e -> counts.put(e.getKey(), e.getValue()));
          return counts;
        });
  }

  /** One grouped count in the database; no rows are read. */
  @Override
  public java.util.SortedMap<String, Long> countByCallbackType(TimerQuery query) {
    Objects.requireNonNull(query, "query");
    QueryFilter filter = QueryFilter.forCount(query, codec);
    return run(
        "count timers by callback type " + QueryFilter.describe(query),
        query.id(),
        false,
        h -> {
          java.util.SortedMap<String, Long> counts = new java.util.TreeMap<>();
          filter
              .bind(
                  h.createQuery(
                      "SELECT callback_type, COUNT(*) FROM "
                          + table.name()
                          + filter.where()
                          + " GROUP BY callback_type"))
              .map((rs, ctx) -> java.util.Map.entry(rs.getString(1), rs.getLong(2)))
              .forEach(e -> counts.put(e.getKey(), e.getValue()));
          return counts;
        });
  }

  /** One transaction; runs of one kind of write are one JDBC batch each. */
  @Override
  public List<Boolean> writeAll(List<Write> writes) {
    Objects.requireNonNull(writes, "writes");
    if (writes.isEmpty()) {
      return List.of();
    }
    String operation =
        writes.size() == 1
            ? writes.get(0).getClass().getSimpleName().toLowerCase(java.util.Locale.ROOT)
            : "write batch of " + writes.size();
    if (writes.size() > 1) {
      return run(
          operation,
          writes.get(0).id(),
          true,
          h -> {
            BatchWriter.Result result = writer.write(h, writes);
            if (result.anyInserted()) {
              afterInsert(h);
            }
            return result.applied();
          });
    }
    Write write = writes.get(0);
    Work<List<Boolean>> lone =
        h -> {
          boolean applied = writer.writeOne(h, write);
          if (applied && write instanceof Write.Insert) {
            afterInsert(h);
          }
          return List.of(applied);
        };
    // A lone write is one statement: no BEGIN/COMMIT round trip for a single schedule call, unless
    // the store has more to do after an insert in the same transaction.
    return write instanceof Write.Insert && hasAfterInsert()
        ? run(operation, write.id(), true, lone)
        : runOneStatement(operation, write.id(), lone);
  }

  /**
   * {@inheritDoc}
   *
   * <p>{@code DELETE … RETURNING} where the dialect has it; else the matching ids are read with a
   * row lock and deleted, in one transaction.
   */
  @Override
  public List<String> remove(TimerQuery query) {
    Store.requireRemovable(query);
    QueryFilter filter = new QueryFilter(query, codec);
    record Removed(String id, Instant due) {}
    List<Removed> removed =
        run(
            // Never the participant id: it may be personal data (an e-mail address).
            "remove timers " + QueryFilter.describe(query),
            query.id(),
            true,
            h -> {
              String from = table.name() + filter.where();
              if (dialect.deleteReturning()) {
                return filter
                    .bind(h.createQuery("DELETE FROM " + from + " RETURNING id, next_fire_at"))
                    .map(
                        (rs, ctx) ->
                            new Removed(rs.getString(1), dialect.getInstant(rs, "next_fire_at")))
                    .list();
              }
              List<Removed> found =
                  filter
                      .bind(
                          h.createQuery(
                              "SELECT id, next_fire_at FROM " + from + dialect.lockForUpdate()))
                      .map(
                          (rs, ctx) ->
                              new Removed(rs.getString(1), dialect.getInstant(rs, "next_fire_at")))
                      .list();
              List<String> ids = found.stream().map(Removed::id).toList();
              int chunk = dialect.maxIdsPerStatement();
              for (int i = 0; i < ids.size(); i += chunk) {
                List<String> part = ids.subList(i, Math.min(ids.size(), i + chunk));
                bindIds(h.createUpdate("DELETE FROM " + table.name() + " WHERE " + idIn()), part)
                    .execute();
              }
              return found;
            });
    return removed.stream()
        .sorted(
            Comparator.comparing(
                    Removed::due, Comparator.nullsLast(Comparator.<Instant>naturalOrder()))
                .thenComparing(Removed::id))
        .map(Removed::id)
        .toList();
  }

  @Override
  public Purged purge(Instant expiredAt, Instant failedBefore) {
    return run(
        "purge timers",
        null,
        true,
        h -> {
          // Stored instants are whole milliseconds: expires_at <= t  <=>  <= floor(t), and
          // updated_at < t  <=>  < ceil(t).
          int expired =
              expiredAt == null
                  ? 0
                  : h.createUpdate("DELETE FROM " + table.name() + " WHERE expires_at <= :at")
                      .bind(
                          "at",
                          codec.instant(
                              expiredAt.truncatedTo(java.time.temporal.ChronoUnit.MILLIS)))
                      .execute();
          int failed =
              failedBefore == null
                  ? 0
                  : h.createUpdate(
                          "DELETE FROM "
                              + table.name()
                              + " WHERE status = 'FAILED' AND updated_at < :before")
                      .bind("before", codec.instant(QueryFilter.ceilMillis(failedBefore)))
                      .execute();
          return new Purged(expired, failed);
        });
  }

  // --- host transactions ----------------------------------------------------------------------

  /**
   * Inserts {@code record} in the host's open transaction on {@code hostHandle}, without
   * committing, rolling back or closing anything: the timer exists once the host commits and not at
   * all if it rolls back. Arm it with {@code PersistentTimer.armCommitted} after the commit.
   *
   * @param hostHandle the host's Jdbi handle to the store's database, in its transaction
   * @param record the record to insert, from {@code PersistentTimer.prepareAfter} and its kin
   * @return true when inserted; false when a record with this id exists (nothing changed)
   * @throws StoreException when the statement fails; the host's transaction is left to the host
   */
  public boolean insert(Handle hostHandle, TimerRecord record) {
    Objects.requireNonNull(hostHandle, "hostHandle");
    Objects.requireNonNull(record, "record");
    String operation = "insert (host transaction)";
    beforeHostInsert(record.id());
    try {
      boolean inserted = writer.insert(hostHandle, record);
      if (inserted) {
        afterInsert(hostHandle);
      }
      return inserted;
    } catch (StoreException e) {
      throw e;
    } catch (Exception e) {
      throw errors.failure(operation, record.id(), e);
    }
  }

  /**
   * Inserts {@code record} in the host's open transaction on {@code hostConnection}: as {@link
   * #insert(Handle, TimerRecord)}. On a connection in auto-commit mode the insert commits at once.
   *
   * @param hostConnection the host's connection to the store's database, in its transaction
   * @param record the record to insert
   * @return true when inserted; false when a record with this id exists (nothing changed)
   * @throws StoreException when the statement fails; the host's transaction is left to the host
   */
  public boolean insert(Connection hostConnection, TimerRecord record) {
    Objects.requireNonNull(hostConnection, "hostConnection");
    Objects.requireNonNull(record, "record");
    Jdbi host = Jdbi.create(new HostConnection(hostConnection));
    // The host owns the transaction: the handle must neither roll it back nor close it.
    host.getConfig(Handles.class).setForceEndTransactions(false);
    try (Handle handle = host.open()) {
      return insert(handle, record);
    } catch (ConnectionException e) {
      // A closed or broken host connection fails here, before the insert itself.
      throw errors.failure("insert (host transaction)", record.id(), e);
    }
  }

  /**
   * Inserts {@code records} in the host's open transaction on {@code hostHandle}, as one JDBC batch
   * (one round trip where the dialect allows it; MySQL and MariaDB send one statement each, so a
   * duplicate id is told from a failure), without committing, rolling back or closing anything. The
   * timers exist once the host commits and not at all if it rolls back. Arm them with {@code
   * PersistentTimer.armCommitted(ids)} after the commit: one read for all of them.
   *
   * @param hostHandle the host's Jdbi handle to the store's database, in its transaction
   * @param records the records to insert, from {@code PersistentTimer.prepareAll}
   * @return for each record, in order, true when inserted and false when a record with its id
   *     existed (that one changed nothing)
   * @throws IllegalArgumentException when {@code records} or one of them is null, naming its index
   * @throws StoreException when the batch fails; the host's transaction is left to the host (most
   *     databases need it rolled back)
   */
  public List<Boolean> insertAll(Handle hostHandle, List<TimerRecord> records) {
    Objects.requireNonNull(hostHandle, "hostHandle");
    List<Write> inserts = inserts(records);
    if (inserts.isEmpty()) {
      return List.of();
    }
    String first = inserts.get(0).id();
    beforeHostInsert(first);
    try {
      BatchWriter.Result result = writer.write(hostHandle, inserts);
      if (result.anyInserted()) {
        afterInsert(hostHandle);
      }
      return result.applied();
    } catch (StoreException e) {
      throw e;
    } catch (Exception e) {
      throw errors.failure("insert batch of " + inserts.size() + " (host transaction)", first, e);
    }
  }

  /**
   * Inserts {@code records} in the host's open transaction on {@code hostConnection}: as {@link
   * #insertAll(Handle, List)}. On a connection in auto-commit mode each insert commits at once.
   *
   * @param hostConnection the host's connection to the store's database, in its transaction
   * @param records the records to insert, from {@code PersistentTimer.prepareAll}
   * @return for each record, in order, true when inserted and false when its id existed
   * @throws IllegalArgumentException when {@code records} or one of them is null, naming its index
   * @throws StoreException when the batch fails; the host's transaction is left to the host
   */
  public List<Boolean> insertAll(Connection hostConnection, List<TimerRecord> records) {
    Objects.requireNonNull(hostConnection, "hostConnection");
    inserts(records);
    if (records.isEmpty()) {
      return List.of();
    }
    Jdbi host = Jdbi.create(new HostConnection(hostConnection));
    host.getConfig(Handles.class).setForceEndTransactions(false);
    try (Handle handle = host.open()) {
      return insertAll(handle, records);
    } catch (ConnectionException e) {
      throw errors.failure("insert batch (host transaction)", records.get(0).id(), e);
    }
  }

  private static List<Write> inserts(List<TimerRecord> records) {
    if (records == null) {
      throw new IllegalArgumentException("records must not be null");
    }
    List<Write> inserts = new ArrayList<>(records.size());
    for (TimerRecord record : records) {
      if (record == null) {
        throw new IllegalArgumentException("records[" + inserts.size() + "] must not be null");
      }
      inserts.add(Write.insert(record));
    }
    return inserts;
  }

  /** The host's connection, never closed by the store. */
  private record HostConnection(Connection connection)
      implements org.jdbi.v3.core.ConnectionFactory {
    @Override
    public Connection openConnection() {
      return connection;
    }

    @Override
    public void closeConnection(Connection toClose) {}
  }

  // --- plumbing -------------------------------------------------------------------------------

  private String idIn() {
    return dialect.bindsIdsAsArray() ? "id = ANY(:ids)" : "id IN (<ids>)";
  }

  private <S extends SqlStatement<S>> S bindIds(S statement, List<String> ids) {
    return dialect.bindsIdsAsArray()
        ? statement.bindArray("ids", String.class, ids.toArray())
        : statement.bindList("ids", ids);
  }

  /** The readable rows' records; the unreadable ones are quarantined. */
  private List<TimerRecord> readable(List<Row> rows) {
    List<TimerRecord> records = new ArrayList<>(rows.size());
    for (Row row : rows) {
      if (row instanceof Readable ok) {
        records.add(ok.record());
      } else {
        quarantine((Unreadable) row);
      }
    }
    return records;
  }

  private void quarantine(Unreadable row) {
    if (row.alreadyQuarantined()) {
      log.debug("Skipped quarantined timer row '{}': {}", row.id(), row.reason());
      return;
    }
    try {
      int changed =
          run(
              "quarantine",
              row.id(),
              true,
              h ->
                  h.createUpdate(
                          "UPDATE "
                              + table.name()
                              + " SET status = 'QUARANTINED', last_error = :reason,"
                              + " version = version + 1, updated_at = :now"
                              + " WHERE id = :id AND version = :version")
                      .bind("reason", row.reason())
                      .bind("now", codec.instant(clock.instant()))
                      .bind("id", row.id())
                      .bind("version", row.version())
                      .execute());
      if (changed == 1) {
        log.warn("Quarantined timer '{}' in {}: {}", row.id(), this, row.reason());
      } else {
        log.debug("Timer row '{}' changed before it could be quarantined", row.id());
      }
    } catch (StoreException e) {
      // Reading must not fail because the quarantine write did; the row is still left out, and
      // the next read tries again.
      log.warn(
          "Could not quarantine unreadable timer '{}' ({}): {}",
          row.id(),
          row.reason(),
          e.getMessage());
    }
  }
}
