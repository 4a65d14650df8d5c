package io.persistenttimers.spring;

import io.persistenttimers.FailureLogging;
import io.persistenttimers.OverduePolicy;
import java.nio.file.Path;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The {@code persistent-timers.*} settings. Unset values keep the library's defaults (see {@code
 * PersistentTimer.Builder}).
 *
 * @param enabled whether the auto-configuration builds and starts a PersistentTimer
 * @param horizon only timers due within this window are held in memory; default 5m
 * @param workerThreads size of the worker pool that runs callbacks; default 16
 * @param shutdownTimeout how long shutdown waits for running callbacks; default 10s
 * @param startTimeout how long start keeps trying while the store is unreachable; default 30s
 * @param overdueThreshold a timer found later than this past its due time is overdue; default 1m
 * @param overdueFiresPerSecond overdue timers found by a load fire at most this many per second; 0
 *     for no limit; default 500
 * @param slowCallbackThreshold a callback running longer than this is reported once; default 30s
 * @param overdueOneShot overdue policy of one-shot timers that set none; default FIRE_NOW
 * @param overdueRecurring overdue policy of recurring timers that set none; default COALESCE
 * @param participantIdInMdc whether the MDC carries participantId while a callback runs (it may
 *     identify a person); default false
 * @param store which store, and how it is opened
 * @param retry retry policy of timers that set none
 * @param multiNode several application instances on one PostgreSQL store
 * @param failureLogging how failed callback attempts are logged
 * @param health the Actuator health indicator
 * @param metrics the Micrometer metrics
 * @param admin the admin web page (persistent-timers-admin), off unless enabled
 */
@ConfigurationProperties("persistent-timers")
public record PersistentTimersProperties(
    @DefaultValue("true") boolean enabled,
    Duration horizon,
    Integer workerThreads,
    Duration shutdownTimeout,
    Duration startTimeout,
    Duration overdueThreshold,
    Integer overdueFiresPerSecond,
    Duration slowCallbackThreshold,
    OverduePolicy overdueOneShot,
    OverduePolicy overdueRecurring,
    boolean participantIdInMdc,
    @DefaultValue Store store,
    @DefaultValue Retry retry,
    @DefaultValue MultiNode multiNode,
    @DefaultValue Logging failureLogging,
    @DefaultValue Health health,
    @DefaultValue Metrics metrics,
    @DefaultValue Admin admin) {

  /**
   * Which store, and how it is opened.
   *
   * @param type which store: AUTO picks it from the DataSource's database, else the SQLite file
   * @param migrate whether opening the store creates or upgrades its table (Flyway, with its own
   *     history table)
   * @param schema PostgreSQL schema, or MariaDB/MySQL database, of the timers table; default the
   *     connection's current one
   * @param sqlitePath SQLite database file, used when there is no DataSource
   * @param sqliteCreateIfMissing whether a missing SQLite file is created (its directory must
   *     exist)
   */
  public record Store(
      @DefaultValue("AUTO") StoreType type,
      @DefaultValue("true") boolean migrate,
      String schema,
      Path sqlitePath,
      @DefaultValue("true") boolean sqliteCreateIfMissing) {}

  /** The store kinds the starter builds. */
  public enum StoreType {
    /** From the DataSource's database product; the SQLite file when there is no DataSource. */
    AUTO,
    /** PostgreSQL over the application's DataSource. */
    POSTGRES,
    /** SQLite over the application's DataSource, or the file of {@code store.sqlite-path}. */
    SQLITE,
    /** MariaDB or MySQL over the application's DataSource. */
    MARIADB
  }

  /**
   * Retry policy of timers that set none: exponential, doubling, no jitter. Unset max-attempts
   * keeps the library default (3 attempts, 30s, doubling, with jitter).
   *
   * @param maxAttempts total attempts including the first
   * @param initialBackoff wait before the second attempt
   * @param maxBackoff upper bound of any wait
   */
  public record Retry(
      Integer maxAttempts,
      @DefaultValue("30s") Duration initialBackoff,
      @DefaultValue("1h") Duration maxBackoff) {}

  /**
   * Several application instances sharing one PostgreSQL store. Every instance on the store must
   * enable it: a single-node engine refuses to start beside any other.
   *
   * @param enabled whether this instance is one of several on the store
   * @param nodeId this node's id, unique among the nodes; default host name and process id
   * @param lease how long a claim holds without renewal: the takeover time after a crash
   * @param pollInterval how often the node claims due timers without a notification
   */
  public record MultiNode(boolean enabled, String nodeId, Duration lease, Duration pollInterval) {}

  /**
   * How failed callback attempts are logged; the exception's message never reaches these lines.
   *
   * @param level level of the line of a failed attempt; OFF for none
   * @param stackTrace whether the line carries the stack trace (class names and frames only)
   */
  public record Logging(@DefaultValue("WARN") FailureLogging.Level level, boolean stackTrace) {}

  /**
   * The Actuator health indicator {@code persistentTimers}.
   *
   * @param maxOverdueLag DOWN when the most overdue armed timer is later than this
   */
  public record Health(@DefaultValue("5m") Duration maxOverdueLag) {}

  /**
   * The Micrometer metrics, registered when Micrometer and persistent-timers-micrometer are
   * present.
   *
   * @param enabled whether the metrics are registered
   * @param refreshInterval time between two refreshes of the gauges that count in the store
   */
  public record Metrics(
      @DefaultValue("true") boolean enabled, @DefaultValue("30s") Duration refreshInterval) {}

  /**
   * The admin web page of persistent-timers-admin, served beside the application on its own port
   * while the context runs. It shows participant ids and, on request, params, and it can cancel and
   * purge timers, so it is off by default, listens on the loopback interface, and needs a token.
   *
   * @param enabled whether the page is served; needs persistent-timers-admin on the class path
   * @param token the token for actions and reveals, at least 16 characters; required when enabled
   *     (take it from the environment, e.g. {@code ${TIMERS_ADMIN_TOKEN}})
   * @param port the port; 0 for a free one; default 8081
   * @param bindAddress the address to listen on; default 127.0.0.1
   * @param allowRemote whether a non-loopback bind address is accepted: only behind an
   *     authenticating proxy
   * @param pageSize rows per list page; default 50
   * @param countLimit the largest count a page gives exactly; default 10,000
   */
  public record Admin(
      boolean enabled,
      String token,
      @DefaultValue("8081") int port,
      @DefaultValue("127.0.0.1") String bindAddress,
      boolean allowRemote,
      @DefaultValue("50") int pageSize,
      @DefaultValue("10000") int countLimit) {

    /** Hides the token, so printing the settings does not leak it. */
    @Override
    public String toString() {
      return "Admin[enabled="
          + enabled
          + ", token="
          + (token == null ? "(unset)" : "(hidden)")
          + ", port="
          + port
          + ", bindAddress="
          + bindAddress
          + ", allowRemote="
          + allowRemote
          + ", pageSize="
          + pageSize
          + ", countLimit="
          + countLimit
          + "]";
    }
  }
}
