package io.persistenttimers.store.sqlite;

import io.persistenttimers.StoreException;
import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;

/**
 * Turns driver, Jdbi and Flyway exceptions into {@link StoreException}s whose message names the
 * operation, the timer id (when there is one) and the database, and says in words what the SQLite
 * result code means for the common file problems. Messages never contain params: SQLite's own
 * messages name tables and columns, not values.
 */
final class SqliteErrors {

  private SqliteErrors() {}

  /** The SQLite result code somewhere in the cause chain of {@code failure}, or null. */
  static SQLiteErrorCode code(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof SQLiteException e) {
        return e.getResultCode();
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return null;
  }

  /** A plain-words explanation of a file-level failure, or null when it is not one. */
  static String fileProblem(Throwable failure) {
    SQLiteErrorCode code = code(failure);
    if (code == null) {
      return null;
    }
    String name = code.name();
    if (name.startsWith("SQLITE_READONLY")) {
      return "the database is read-only (the store must be able to write to it)";
    }
    if (name.startsWith("SQLITE_NOTADB")) {
      return "the file is not an SQLite database";
    }
    if (name.startsWith("SQLITE_CORRUPT")) {
      return "the database file is corrupt";
    }
    if (name.startsWith("SQLITE_CANTOPEN")) {
      return "the database file cannot be opened";
    }
    return null;
  }

  /**
   * A StoreException for a failed operation.
   *
   * @param operation what was attempted, as a verb phrase ("insert", "find due timers")
   * @param id the timer concerned, or null
   * @param where the database, for the message
   */
  static StoreException failure(String operation, String id, String where, Throwable cause) {
    StringBuilder message = new StringBuilder("SQLite timer store could not ").append(operation);
    if (id != null) {
      message.append(" timer '").append(id).append('\'');
    }
    message.append(" in ").append(where).append(": ");
    String problem = fileProblem(cause);
    if (problem != null) {
      message.append(problem).append(" (").append(rootMessage(cause)).append(')');
    } else {
      message.append(rootMessage(cause));
    }
    return new StoreException(message.toString(), cause, retryable(cause));
  }

  /**
   * Whether the same statement may succeed later. Busy, locked, full disk and I/O errors may pass,
   * and so may a failure without an SQLite result code (it is not known to be final); a constraint,
   * a type or size mismatch, a read-only or corrupt file will not heal by waiting.
   */
  static boolean retryable(Throwable failure) {
    SQLiteErrorCode code = code(failure);
    if (code == null) {
      return true;
    }
    String name = code.name();
    return name.startsWith("SQLITE_BUSY")
        || name.startsWith("SQLITE_LOCKED")
        || name.startsWith("SQLITE_FULL")
        || name.startsWith("SQLITE_IOERR")
        || name.startsWith("SQLITE_PROTOCOL");
  }

  static String rootMessage(Throwable failure) {
    Throwable last = failure;
    for (Throwable t = failure; t != null && t.getCause() != t; t = t.getCause()) {
      last = t;
      if (t instanceof SQLiteException) {
        break;
      }
    }
    String message = last.getMessage();
    return message == null ? last.getClass().getSimpleName() : message;
  }
}
