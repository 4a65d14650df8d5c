package io.persistenttimers.store.mariadb;

import io.persistenttimers.StoreException;
import java.sql.SQLException;
import java.util.regex.Pattern;

/**
 * Turns driver, pool and Jdbi failures into {@link StoreException}s that name the operation and the
 * timer, and that never carry params.
 *
 * <p>Why the cause is rebuilt: MariaDB and MySQL quote the offending value in some messages ({@code
 * Incorrect string value: '\xF0\x9F...' for column}, {@code Duplicate entry '...'}), and Jdbi's
 * messages can render bound arguments; both may be params, which may be personal data. So a server
 * error becomes a fresh {@link SQLException} with every quoted literal replaced by {@code '…'}, its
 * SQLState and vendor code, and the original stack trace.
 */
final class MariaDbErrors {
  private MariaDbErrors() {}

  /** MySQL's and MariaDB's ER_DUP_ENTRY. */
  static final int DUPLICATE_KEY = 1062;

  private static final Pattern QUOTED = Pattern.compile("'(?:[^'\\\\]|\\\\.|'')*'");

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
        "MariaDB store: " + operation + " failed: " + reason + state, cause, retryable(sql));
  }

  static boolean isDuplicateKey(SQLException e) {
    return e.getErrorCode() == DUPLICATE_KEY;
  }

  /**
   * Whether the same statement may succeed later, by SQLState class: data exceptions (22),
   * integrity violations such as a failed CHECK (23), syntax or access errors (42), feature not
   * supported (0A) and invalid authorization (28) will not heal by waiting. Connection failures
   * (08), deadlocks (40001), lock wait timeouts (HY000, error 1205) and pool timeouts (no SQLState)
   * may.
   */
  static boolean retryable(SQLException sql) {
    if (sql == null || sql.getSQLState() == null || sql.getSQLState().length() < 2) {
      return true;
    }
    return switch (sql.getSQLState().substring(0, 2)) {
      case "22", "23", "42", "24", "25", "26", "34", "0A", "28" -> false;
      default -> true;
    };
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

  /** The server's message without quoted values and without an appended query dump. */
  static String redact(String message) {
    if (message == null) {
      return null;
    }
    String text = message;
    int dump = text.indexOf("\nQuery is:");
    if (dump >= 0) {
      text = text.substring(0, dump);
    }
    return QUOTED.matcher(text).replaceAll("'…'");
  }

  static SQLException sanitize(SQLException sql) {
    SQLException clean =
        new SQLException(redact(sql.getMessage()), sql.getSQLState(), sql.getErrorCode());
    clean.setStackTrace(sql.getStackTrace());
    return clean;
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
