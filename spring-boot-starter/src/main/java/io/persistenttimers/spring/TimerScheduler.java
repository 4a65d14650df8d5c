package io.persistenttimers.spring;

import io.persistenttimers.DuplicateTimerException;
import io.persistenttimers.IfExists;
import io.persistenttimers.PersistentTimer;
import io.persistenttimers.Scheduled;
import io.persistenttimers.TimerRecord;
import io.persistenttimers.TimerSpec;
import io.persistenttimers.schedule.Schedule;
import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.datasource.DataSourceUtils;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * Schedule calls that join the caller's Spring transaction. Inside a transaction on the store's
 * DataSource ({@code @Transactional}, {@code TransactionTemplate}) the timer is inserted on the
 * transaction's own connection: it commits or rolls back with the host's data, and is armed after
 * the commit. Outside a transaction the call is the {@link PersistentTimer}'s own (durable on
 * return).
 *
 * <p>Refused, so that a timer is never silently committed apart from the data it belongs to: a call
 * inside a transaction that is not on the store's DataSource (another database, or a store without
 * a DataSource), and {@link IfExists#REPLACE} of an existing id inside a transaction (the replace
 * is a compare-and-set outside it: cancel and schedule instead, or schedule after the commit).
 * Inject {@link PersistentTimer} for everything else (cancel, queries, stats).
 */
public final class TimerScheduler {
  private static final Logger log = LoggerFactory.getLogger(TimerScheduler.class);

  private final PersistentTimer timer;
  private final PersistentTimersStore store;

  /**
   * Schedules on {@code timer}, joining transactions on {@code store}'s DataSource.
   *
   * @param timer the engine
   * @param store the store it runs on
   */
  public TimerScheduler(PersistentTimer timer, PersistentTimersStore store) {
    this.timer = timer;
    this.store = store;
  }

  /**
   * Schedules a one-shot timer due {@code delay} from now.
   *
   * @param delay how long from now; not negative
   * @param spec what to run and for whom
   * @return the timer's id and whether it was created or an existing one was kept
   * @throws IllegalArgumentException for bad input, naming the field; nothing is stored
   * @throws IllegalStateException inside a transaction that is not on the store's DataSource
   */
  public Scheduled scheduleAfter(Duration delay, TimerSpec spec) {
    return schedule(
        spec, () -> timer.prepareAfter(delay, spec), () -> timer.scheduleAfter(delay, spec));
  }

  /**
   * Schedules a one-shot timer due at {@code dueAt}.
   *
   * @param dueAt when the timer is due
   * @param spec what to run and for whom
   * @return the timer's id and whether it was created or an existing one was kept
   * @throws IllegalArgumentException for bad input, naming the field; nothing is stored
   * @throws IllegalStateException inside a transaction that is not on the store's DataSource
   */
  public Scheduled scheduleAt(Instant dueAt, TimerSpec spec) {
    return schedule(spec, () -> timer.prepareAt(dueAt, spec), () -> timer.scheduleAt(dueAt, spec));
  }

  /**
   * Schedules a recurring timer.
   *
   * @param schedule when it fires
   * @param spec what to run and for whom
   * @return the timer's id and whether it was created or an existing one was kept
   * @throws IllegalArgumentException for bad input, naming the field; nothing is stored
   * @throws IllegalStateException inside a transaction that is not on the store's DataSource
   */
  public Scheduled scheduleRecurring(Schedule schedule, TimerSpec spec) {
    return schedule(
        spec,
        () -> timer.prepareRecurring(schedule, spec),
        () -> timer.scheduleRecurring(schedule, spec));
  }

  private Scheduled schedule(
      TimerSpec spec, Supplier<TimerRecord> prepare, Supplier<Scheduled> direct) {
    if (!TransactionSynchronizationManager.isActualTransactionActive()) {
      return direct.get();
    }
    DataSource ds = store.dataSource().orElse(null);
    if (ds == null || TransactionSynchronizationManager.getResource(ds) == null) {
      throw new IllegalStateException(
          "a Spring transaction is active, but not on the DataSource of the timer store, so the"
              + " timer would commit on its own, apart from the transaction's data. Schedule after"
              + " the transaction, or run the transaction on the store's DataSource");
    }
    TimerRecord record = prepare.get();
    Connection connection = DataSourceUtils.getConnection(ds);
    boolean inserted;
    try {
      inserted = store.hostInsert().insert(connection, record);
    } finally {
      DataSourceUtils.releaseConnection(connection, ds);
    }
    if (!inserted) {
      IfExists ifExists = spec.ifExists();
      if (ifExists == IfExists.FAIL) {
        throw new DuplicateTimerException(record.id());
      }
      if (ifExists == IfExists.REPLACE) {
        throw new IllegalStateException(
            "timer '"
                + record.id()
                + "' exists and IfExists.REPLACE cannot join a transaction: cancel it and"
                + " schedule again, or schedule after the commit");
      }
      return new Scheduled(record.id(), Scheduled.Outcome.KEPT); // the existing timer stays
    }
    String id = record.id();
    TransactionSynchronizationManager.registerSynchronization(
        new TransactionSynchronization() {
          @Override
          public void afterCommit() {
            try {
              timer.armCommitted(id);
            } catch (RuntimeException e) {
              // Committed and durable: the next load arms it, up to half a horizon later.
              log.warn("Timer '{}' committed but not armed at once: {}", id, e.toString());
            }
          }
        });
    return new Scheduled(id, Scheduled.Outcome.CREATED);
  }
}
