package io.persistenttimers.store.sqlite;

import io.persistenttimers.StoreException;
import io.persistenttimers.StoreInUseException;
import io.persistenttimers.spi.EngineLock;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engine lock of an SQLite database file: an exclusive operating-system lock ({@link
 * FileChannel#tryLock()}) on a side file next to the database, {@code <database>.engine-lock}, held
 * while an engine runs.
 *
 * <p>Why a side file: SQLite itself takes and drops byte-range locks on the database file, and on
 * POSIX systems closing <em>any</em> descriptor of a file drops every lock the process holds on it;
 * a file nobody else opens keeps the lock ours. Why an OS lock: it dies with the process however
 * the process ends (kill -9 included), so a crashed engine never blocks a restart, and nothing
 * stale is ever left to clean up. The side file itself stays; it holds the pid of the last holder,
 * for the refusal message.
 *
 * <p>Within one JVM a registry keyed by the lock file refuses a second engine before a second
 * channel to the file is ever opened (the POSIX rule above would otherwise let the second attempt's
 * close drop the first engine's lock).
 */
final class EngineFileLock implements EngineLock {
  private static final Logger log = LoggerFactory.getLogger(SqliteStore.class);

  /** Lock files on which an engine of this JVM holds, or is taking, the lock. */
  private static final ConcurrentHashMap<Path, EngineFileLock> HELD = new ConcurrentHashMap<>();

  static final String SUFFIX = ".engine-lock";

  private final Path lockFile;
  private final AtomicBoolean open = new AtomicBoolean(true);
  private FileChannel channel;
  private FileLock lock;

  private EngineFileLock(Path lockFile) {
    this.lockFile = lockFile;
  }

  /** The lock file of {@code database}: beside it, named after its real path. */
  static Path lockFileOf(Path database) throws IOException {
    Path real = database.toRealPath();
    return real.resolveSibling(real.getFileName() + SUFFIX);
  }

  /**
   * Takes the lock for the database whose lock file is {@code lockFile}.
   *
   * @throws StoreInUseException when another engine, in this process or another, holds it
   * @throws StoreException when the lock file cannot be created or locked
   */
  static EngineLock acquire(Path database, Path lockFile, Clock clock) {
    EngineFileLock candidate = new EngineFileLock(lockFile);
    if (HELD.putIfAbsent(lockFile, candidate) != null) {
      throw refused(database, lockFile, "held by another engine in this process");
    }
    try {
      candidate.channel =
          FileChannel.open(
              lockFile,
              StandardOpenOption.CREATE,
              StandardOpenOption.READ,
              StandardOpenOption.WRITE);
      try {
        candidate.lock = candidate.channel.tryLock();
      } catch (OverlappingFileLockException e) {
        candidate.lock = null; // held through a channel this registry does not know of
      }
      if (candidate.lock == null) {
        String holder = readHolder(candidate.channel);
        candidate.channel.close();
        throw refused(
            database,
            lockFile,
            "held by " + (holder.isEmpty() ? "another process" : holder.replace('\n', ' ')));
      }
      String me = "process " + ProcessHandle.current().pid() + " since " + clock.instant();
      candidate.channel.truncate(0);
      candidate.channel.write(ByteBuffer.wrap(me.getBytes(StandardCharsets.UTF_8)), 0);
      log.debug("Engine lock taken: {}", lockFile);
      return candidate;
    } catch (IOException e) {
      candidate.closeChannel();
      HELD.remove(lockFile, candidate);
      throw new StoreException(
          "SQLite timer store could not take the engine lock on "
              + lockFile
              + " for database "
              + database
              + ": "
              + e,
          e);
    } catch (RuntimeException e) {
      HELD.remove(lockFile, candidate);
      throw e;
    }
  }

  private static StoreInUseException refused(Path database, Path lockFile, String holder) {
    return new StoreInUseException(
        "another Persistent Timers engine is already running on SQLite database "
            + database
            + " (single-node mode; lock file "
            + lockFile
            + " "
            + holder
            + "); stop it: SQLite runs one engine per database file, multi-node mode needs"
            + " PostgreSQL");
  }

  private static String readHolder(FileChannel channel) {
    try {
      ByteBuffer buffer = ByteBuffer.allocate(200);
      channel.read(buffer, 0);
      return new String(buffer.array(), 0, buffer.position(), StandardCharsets.UTF_8).strip();
    } catch (IOException e) {
      return "";
    }
  }

  private void closeChannel() {
    if (channel != null) {
      try {
        channel.close(); // releases the lock too
      } catch (IOException e) {
        log.warn("Closing the engine lock file {} failed: {}", lockFile, e.toString());
      }
    }
  }

  @Override
  public void close() {
    if (!open.compareAndSet(true, false)) {
      return;
    }
    try {
      if (lock != null && lock.isValid()) {
        lock.release();
      }
    } catch (IOException e) {
      log.warn("Releasing the engine lock {} failed: {}", lockFile, e.toString());
    } finally {
      closeChannel();
      HELD.remove(lockFile, this);
      log.debug("Engine lock released: {}", lockFile);
    }
  }
}
