package io.persistenttimers.store.jdbc.internal;

import io.persistenttimers.TimerRecord;
import io.persistenttimers.spi.Write;
import io.persistenttimers.store.jdbc.Dialect;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.PreparedBatch;
import org.jdbi.v3.core.statement.StatementException;

/**
 * Executes a {@code writeAll} inside the caller's transaction: consecutive writes of one kind go to
 * the database as one JDBC batch (one round trip), and runs stay in order, so each write sees the
 * ones before it.
 */
public final class BatchWriter {
  private final Dialect dialect;
  private final TimerTable table;
  private final RowCodec codec;

  /**
   * A writer for one table.
   *
   * @param dialect the database's dialect
   * @param table the statements
   * @param codec binds records
   */
  public BatchWriter(Dialect dialect, TimerTable table, RowCodec codec) {
    this.dialect = dialect;
    this.table = table;
    this.codec = codec;
  }

  /**
   * Applies {@code writes} on {@code handle}, in its open transaction.
   *
   * @return for each write whether it took effect, and whether any insert did
   */
  public Result write(Handle handle, List<Write> writes) {
    List<Boolean> results = new ArrayList<>(writes.size());
    boolean inserted = false;
    int start = 0;
    while (start < writes.size()) {
      Class<?> kind = writes.get(start).getClass();
      int end = start;
      while (end < writes.size() && writes.get(end).getClass() == kind) {
        end++;
      }
      int before = results.size();
      executeRun(handle, writes.subList(start, end), results);
      if (kind == Write.Insert.class) {
        inserted |= results.subList(before, results.size()).contains(true);
      }
      start = end;
    }
    return new Result(results, inserted);
  }

  /**
   * Applies one write on {@code handle}'s connection with plain JDBC, in whatever transaction the
   * handle is in. This is a lone schedule call's whole store work, and there a Jdbi statement cost
   * about 90 µs of a ~490 µs call on PostgreSQL (measured against plain JDBC through the same
   * pool), so the hot path skips it.
   *
   * @return whether the write took effect
   * @throws SQLException from the driver
   */
  public boolean writeOne(Handle handle, Write write) throws SQLException {
    Connection connection = handle.getConnection();
    if (write instanceof Write.Insert insert) {
      try (PreparedStatement statement = connection.prepareStatement(table.insertPositional())) {
        codec.bindPositional(statement, 1, insert.record(), true);
        return statement.executeUpdate() == 1;
      } catch (SQLException e) {
        if (dialect.insertFailsOnDuplicate() && dialect.isDuplicateId(e)) {
          return false;
        }
        throw e;
      }
    }
    if (write instanceof Write.Update update) {
      try (PreparedStatement statement = connection.prepareStatement(table.updatePositional())) {
        int next = codec.bindPositional(statement, 1, update.next(), false);
        statement.setString(next++, update.next().id());
        statement.setLong(next, update.expectedVersion());
        return statement.executeUpdate() == 1;
      }
    }
    Write.Delete delete = (Write.Delete) write;
    try (PreparedStatement statement = connection.prepareStatement(table.deletePositional())) {
      statement.setString(1, delete.id());
      statement.setLong(2, delete.expectedVersion());
      return statement.executeUpdate() == 1;
    }
  }

  /** What a batch did. */
  public record Result(List<Boolean> applied, boolean anyInserted) {}

  /**
   * Inserts {@code record} on {@code handle}, in its open transaction.
   *
   * @return true when inserted; false when a timer with its id exists (nothing changed)
   */
  public boolean insert(Handle handle, TimerRecord record) {
    try {
      return codec.bind(handle.createUpdate(table.insert()), record).execute() == 1;
    } catch (StatementException e) {
      if (dialect.insertFailsOnDuplicate()
          && e.getCause() instanceof SQLException sql
          && dialect.isDuplicateId(sql)) {
        return false;
      }
      throw e;
    }
  }

  private void executeRun(Handle handle, List<Write> run, List<Boolean> results) {
    Write first = run.get(0);
    if (first instanceof Write.Insert && dialect.insertFailsOnDuplicate()) {
      // A batch cannot tell a duplicate id from a failed write: one statement each.
      for (Write w : run) {
        results.add(insert(handle, ((Write.Insert) w).record()));
      }
      return;
    }
    String sql =
        first instanceof Write.Insert
            ? table.insert()
            : first instanceof Write.Update ? table.update() : table.delete();
    PreparedBatch batch = handle.prepareBatch(sql);
    for (Write w : run) {
      if (w instanceof Write.Insert insert) {
        codec.bind(batch, insert.record());
      } else if (w instanceof Write.Update update) {
        codec.bind(batch, update.next()).bind("expected_version", update.expectedVersion());
      } else {
        Write.Delete delete = (Write.Delete) w;
        batch.bind("id", delete.id()).bind("expected_version", delete.expectedVersion());
      }
      batch.add();
    }
    for (int count : batch.execute()) {
      if (count == Statement.SUCCESS_NO_INFO) {
        // Without a count per write the compare-and-set results would be guesses.
        throw new IllegalStateException(
            "the JDBC driver did not report the row count of a batched write; turn off"
                + " batch rewriting (MySQL: rewriteBatchedStatements=false)");
      }
      results.add(count == 1);
    }
  }
}
