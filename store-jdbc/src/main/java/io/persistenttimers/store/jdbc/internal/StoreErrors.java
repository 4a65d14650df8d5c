package io.persistenttimers.store.jdbc.internal;

import io.persistenttimers.StoreException;
import io.persistenttimers.store.jdbc.Dialect;
import java.sql.SQLException;

/**
 * Turns driver and Jdbi failures into {@link StoreException}s that name the operation, the timer
 * (when there is one) and the database, say whether a retry may succeed, and never carry row data:
 * Jdbi's messages can render bound arguments, and a server's detail can quote the row (params may
 * be personal data), so the cause kept is the dialect's sanitised driver exception.
 */
public final class StoreErrors {
  private final Dialect dialect;
  private final String where;

  /**
   * Errors of one store.
   *
   * @param dialect judges retryability and cleans driver messages
   * @param where the database, for messages (a file, a schema)
   */
  public StoreErrors(Dialect dialect, String where) {
    this.dialect = dialect;
    this.where = where;
  }

  /** The StoreException for {@code failure} of {@code operation} on timer {@code id} (or null). */
  public StoreException failure(String operation, String id, Throwable failure) {
    if (failure instanceof StoreException storeException) {
      return storeException;
    }
    SQLException sql = firstSqlException(failure);
    Throwable cause = sql != null ? dialect.withoutRowData(sql) : withoutArguments(failure);
    StringBuilder message =
        new StringBuilder(dialect.name()).append(" timer store could not ").append(operation);
    if (id != null) {
      message.append(" timer '").append(id).append('\'');
    }
    message.append(" in ").append(where).append(": ");
    String explained = sql == null ? null : dialect.explain(sql);
    if (explained != null) {
      message.append(explained).append(" (").append(reason(cause)).append(')');
    } else {
      message.append(reason(cause));
    }
    if (sql != null && sql.getSQLState() != null) {
      message.append(" [SQLState ").append(sql.getSQLState()).append(']');
    }
    // A failure without a driver exception (a pool timeout, an interrupted wait) is not known to
    // be final.
    boolean retryable = sql == null || dialect.isRetryable(sql);
    return new StoreException(message.toString(), cause, retryable);
  }

  private static String reason(Throwable cause) {
    return cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
  }

  private static SQLException firstSqlException(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof SQLException sql) {
        return sql;
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return null;
  }

  private static Throwable withoutArguments(Throwable failure) {
    // A Jdbi failure's message may render the statement's arguments: keep its type and stack.
    if (failure.getClass().getName().startsWith("org.jdbi.")) {
      RuntimeException clean = new RuntimeException(failure.getClass().getSimpleName());
      clean.setStackTrace(failure.getStackTrace());
      return clean;
    }
    return failure;
  }
}
