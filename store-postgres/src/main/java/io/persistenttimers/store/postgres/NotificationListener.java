package io.persistenttimers.store.postgres;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import javax.sql.DataSource;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Holds one connection in {@code LISTEN} on the store's channel and calls back on every
 * notification; reconnects with backoff when the connection breaks. A listening session must stay
 * on one server connection, which is why this does not work behind a pooler in transaction mode
 * (PgBouncer): turn notifications off there and rely on polling.
 */
final class NotificationListener implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(NotificationListener.class);
  private static final int WAIT_MILLIS = 500;

  private final DataSource dataSource;
  private final String channel;
  private final Runnable onNotification;
  private final Thread thread;
  private volatile boolean closed;

  NotificationListener(DataSource dataSource, String channel, Runnable onNotification) {
    this.dataSource = dataSource;
    this.channel = channel;
    this.onNotification = onNotification;
    this.thread = new Thread(this::run, "persistent-timers-listen");
    thread.setDaemon(true);
    thread.start();
  }

  private void run() {
    Duration backoff = Duration.ofMillis(100);
    while (!closed) {
      try (Connection connection = dataSource.getConnection()) {
        connection.setAutoCommit(true);
        try (Statement statement = connection.createStatement()) {
          statement.execute("LISTEN " + PostgresStore.quoteIdentifier(channel));
        }
        PGConnection pg = connection.unwrap(PGConnection.class);
        backoff = Duration.ofMillis(100);
        // A notification may have been missed while (re)connecting: wake once to be safe.
        onNotification.run();
        while (!closed) {
          PGNotification[] notifications = pg.getNotifications(WAIT_MILLIS);
          if (notifications != null && notifications.length > 0) {
            onNotification.run();
          }
        }
      } catch (SQLException | RuntimeException e) {
        if (closed) {
          return;
        }
        LOG.warn(
            "Listening for new timers on '{}' failed; retrying in {}: {}",
            channel,
            backoff,
            e.toString());
        try {
          Thread.sleep(backoff.toMillis());
        } catch (InterruptedException interrupted) {
          Thread.currentThread().interrupt();
          return;
        }
        backoff =
            backoff.multipliedBy(2).compareTo(Duration.ofSeconds(10)) > 0
                ? Duration.ofSeconds(10)
                : backoff.multipliedBy(2);
      }
    }
  }

  @Override
  public void close() throws InterruptedException {
    closed = true;
    thread.join(WAIT_MILLIS * 4L);
  }
}
