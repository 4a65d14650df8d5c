package io.persistenttimers.store.sqlite;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;

/**
 * The identity (on Linux: device and inode, {@link BasicFileAttributes#fileKey()}) of the database
 * file a store opened and of its {@code -wal} and {@code -shm} files, captured once the store is
 * open, so the store can notice that the file at the path is no longer the one it writes to.
 *
 * <p>Why: SQLite keeps writing to the descriptors it opened. A database file deleted while open (an
 * unlinked inode) accepts every commit and vanishes at the end of the process; a file renamed over
 * the path (a restored backup) is not the one the store writes to, and the log it leaves at the
 * path would be replayed onto the new file by the next opener. SQLite never deletes or replaces its
 * own {@code -wal} and {@code -shm} while a connection is open (only the last connection to close
 * removes them), so for all three files any change seen here is someone else's doing.
 *
 * <p>A check is one {@code stat} per file (microseconds; see the README for the measured cost of a
 * write batch with and without it). Files without a key (file systems that report none) and files
 * that did not exist at capture (a database not in WAL mode has no {@code -wal}) are not checked.
 */
final class FileIdentity {

  private record Watched(String role, Path path, Object key) {}

  private final Path database;
  private final List<Watched> files;

  private FileIdentity(Path database, List<Watched> files) {
    this.database = database;
    this.files = files;
  }

  /** Captures the identity of {@code database} (which must exist) and of its log files. */
  static FileIdentity capture(Path database) throws IOException {
    List<Watched> files = new ArrayList<>(3);
    Object key = key(database);
    if (key != null) {
      files.add(new Watched("database file", database, key));
    }
    for (String suffix : List.of("-wal", "-shm")) {
      Path side = database.resolveSibling(database.getFileName() + suffix);
      try {
        Object sideKey = key(side);
        if (sideKey != null) {
          files.add(new Watched("its " + suffix + " file", side, sideKey));
        }
      } catch (NoSuchFileException e) {
        // not in WAL mode (or exclusive locking mode): nothing to watch
      }
    }
    return new FileIdentity(database, List.copyOf(files));
  }

  /** The database file. */
  Path database() {
    return database;
  }

  /**
   * What changed, in words ("the database file /x/timers.db was deleted"), or null when every
   * watched file is still the one captured.
   */
  String change() {
    for (Watched w : files) {
      Object now;
      try {
        now = key(w.path);
      } catch (NoSuchFileException e) {
        return w.role + " " + w.path + " was deleted";
      } catch (IOException e) {
        return w.role + " " + w.path + " can no longer be read (" + e + ")";
      }
      if (!w.key.equals(now)) {
        return w.role + " " + w.path + " was replaced by another file";
      }
    }
    return null;
  }

  /**
   * Moves the {@code -wal} and {@code -shm} files the store opened out of the way, to {@code
   * <name>-wal.orphaned-<stamp>}, when they are still at their path. Called after the store closed
   * its connections on a database that was deleted or replaced: SQLite neither checkpoints nor
   * removes the log of a database file that was moved or unlinked, and the next opener of the path
   * would replay that old log onto whatever file is there now (a restored backup would be silently
   * overwritten by the pages of the file it replaced). Moved, not deleted: when the old database
   * was renamed away rather than deleted, its last commits are in that log.
   *
   * @return the files as moved
   */
  List<Path> setAsideLogs(String stamp) {
    List<Path> moved = new ArrayList<>(2);
    for (Watched w : files) {
      if (w.path.equals(database)) {
        continue;
      }
      try {
        if (w.key.equals(key(w.path))) {
          Path target = w.path.resolveSibling(w.path.getFileName() + ".orphaned-" + stamp);
          moved.add(Files.move(w.path, target));
        }
      } catch (IOException e) {
        // gone already, or cannot be moved: the caller logs what was moved
      }
    }
    return moved;
  }

  private static Object key(Path path) throws IOException {
    return Files.readAttributes(path, BasicFileAttributes.class).fileKey();
  }
}
