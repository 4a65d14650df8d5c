package io.persistenttimers.store.postgres;

import io.persistenttimers.StoreException;
import java.sql.SQLException;

/**
 * Turns driver, pool and Jdbi failures into {@link StoreException}s that name the operation and the
 * timer, and that never carry params.
 *
 * <p>Why the cause is rebuilt: Jdbi's exception messages can render bound arguments, and a server
 * error's DETAIL can quote the failing row or the invalid JSON text (both may hold params, which
 * may be personal data). So a server error is replaced by a fresh {@link SQLException} holding only
 * the primary message and SQLState, with the original stack trace.
 */
final class StoreErrors {
  private StoreErrors() {}

  static StoreException wrap(String operation, Throwable failure) {
    if (failure instanceof StoreException storeException) {
      return storeException;
    }
    SQLException sql = findSqlException(failure);
    Throwable cause = sql != null ? sanitize(sql) : sanitizeOther(failure);
    String reason =
        cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
    String state =
        sql != null && sql.getSQLState() != null ? " [SQLState " + sql.getSQLState() + "]" : "";
    return new StoreException(
        "PostgreSQL store: " + operation + " failed: " + reason + state, cause, retryable(sql));
  }

  /** Whether the same statement may succeed later: the dialect's judgement by SQLState. */
  static boolean retryable(SQLException sql) {
    return sql == null || PostgresDialect.INSTANCE.isRetryable(sql);
  }

  private static SQLException findSqlException(Throwable failure) {
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

  private static SQLException sanitize(SQLException sql) {
    return PostgresDialect.INSTANCE.withoutRowData(sql);
  }

  private static Throwable sanitizeOther(Throwable failure) {
    // A non-SQL failure from Jdbi may render statement arguments in its message; keep only the
    // type and the stack.
    if (failure.getClass().getName().startsWith("org.jdbi.")) {
      RuntimeException clean = new RuntimeException(failure.getClass().getSimpleName());
      clean.setStackTrace(failure.getStackTrace());
      return clean;
    }
    return failure;
  }
}
