package io.persistenttimers.store.mariadb;

import static org.assertj.core.api.Assertions.assertThat;

import io.persistenttimers.CallbackFactory;
import io.persistenttimers.PersistentTimer;
import io.persistenttimers.StoreException;
import io.persistenttimers.TimerListener;
import io.persistenttimers.TimerQuery;
import io.persistenttimers.TimerRecord;
import io.persistenttimers.TimerSpec;
import io.persistenttimers.testkit.TcpProxy;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The engine, running on its own threads and the system clock, through a database outage: its
 * connections are terminated by the server, then the database becomes unreachable for a few seconds
 * (a {@link TcpProxy} between the store and the shared server refuses connections and cuts the open
 * ones) and comes back.
 *
 * <p>Nothing crashes here, so every acknowledged timer must fire exactly once; every schedule call
 * made while the database is away must fail with {@link StoreException} and leave nothing behind;
 * outcome writes of callbacks that finish during the outage are retried until they land.
 */
class MariaDbOutageIT {
  private static final String DATABASE = MariaDbTestSupport.newDatabase("outage");
  private static final int TIMERS = 300;
  private static final int STRADDLERS = 3;
  private static final Duration MIN_OUTAGE = Duration.ofSeconds(4);

  @AfterAll
  static void drop() {
    MariaDbTestSupport.dropDatabase(DATABASE);
  }

  /** The test database's URL with host and port replaced by the proxy's. */
  private static String throughProxy(TcpProxy proxy) {
    return "jdbc:mariadb://127.0.0.1:" + proxy.port() + "/" + DATABASE;
  }

  private static TcpProxy proxyToServer() {
    MariaDbTestSupport.requireServer();
    Matcher m =
        Pattern.compile("^jdbc:(?:mariadb|mysql)://([^/:?]+)(?::(\\d+))?/.*$")
            .matcher(MariaDbTestSupport.SERVER);
    assertThat(m.matches()).as("single-host URL: %s", MariaDbTestSupport.SERVER).isTrue();
    return new TcpProxy(m.group(1), m.group(2) == null ? 3306 : Integer.parseInt(m.group(2)));
  }

  /** Kills every session on the test database (only the store's use it) but the caller's own. */
  private static int killStoreSessions() throws SQLException {
    int killed = 0;
    try (Connection c =
            DriverManager.getConnection(
                MariaDbTestSupport.SERVER, MariaDbTestSupport.USER, MariaDbTestSupport.PASSWORD);
        Statement s = c.createStatement()) {
      List<Long> ids = new ArrayList<>();
      try (ResultSet rs =
          s.executeQuery(
              "SELECT ID FROM information_schema.PROCESSLIST WHERE DB = '"
                  + DATABASE
                  + "' AND ID <> CONNECTION_ID()")) {
        while (rs.next()) {
          ids.add(rs.getLong(1));
        }
      }
      for (long id : ids) {
        try {
          s.execute("KILL CONNECTION " + id);
          killed++;
        } catch (SQLException e) {
          // ended meanwhile
        }
      }
    }
    return killed;
  }

  @Test
  void outage_acknowledgedTimersFireExactlyOnce_failedSchedulesLeaveNothing() throws Exception {
    Map<String, AtomicInteger> fires = new ConcurrentHashMap<>();
    Map<String, AtomicInteger> storeErrors = new ConcurrentHashMap<>();
    Set<String> failedStoreCallIds = ConcurrentHashMap.newKeySet();
    CountDownLatch straddlersRunning = new CountDownLatch(STRADDLERS);
    CountDownLatch outageBegan = new CountDownLatch(1);
    TimerListener listener =
        new TimerListener() {
          @Override
          public void onStoreError(String operation, Throwable error) {
            storeErrors.computeIfAbsent(operation, k -> new AtomicInteger()).incrementAndGet();
            Matcher m =
                Pattern.compile("of timer '([^']+)'").matcher(String.valueOf(error.getMessage()));
            if (m.find()) {
              failedStoreCallIds.add(operation + ":" + m.group(1));
            }
          }
        };

    Set<String> acknowledged = ConcurrentHashMap.newKeySet();
    List<String> refusedDuringOutage = new ArrayList<>();
    List<String> acceptedDuringOutage = new ArrayList<>();
    List<String> refusedAfterKill = new ArrayList<>();
    List<Throwable> otherFailures = new ArrayList<>();
    long outageNanos;
    int terminated;
    long scheduledInMillis;
    int straddlersAtOutage;
    List<TimerRecord> stillStored;
    String statsAtEnd;
    String schedulerThread;

    try (TcpProxy proxy = proxyToServer();
        MariaDbStore store =
            MariaDbStore.builder(throughProxy(proxy))
                .database(DATABASE)
                .user(MariaDbTestSupport.USER)
                .password(MariaDbTestSupport.PASSWORD)
                .poolSize(4)
                .connectionTimeout(Duration.ofSeconds(1))
                .build();
        PersistentTimer timer =
            PersistentTimer.builder(store)
                .register(
                    "reminder",
                    CallbackFactory.of(
                        ctx ->
                            fires
                                .computeIfAbsent(ctx.timerId(), k -> new AtomicInteger())
                                .incrementAndGet()))
                .register(
                    "straddler",
                    CallbackFactory.of(
                        ctx -> {
                          fires
                              .computeIfAbsent(ctx.timerId(), k -> new AtomicInteger())
                              .incrementAndGet();
                          straddlersRunning.countDown();
                          // Finish only once the database is gone, so the outcome write meets the
                          // outage.
                          if (!outageBegan.await(60, TimeUnit.SECONDS)) {
                            throw new IllegalStateException("the outage never began");
                          }
                        }))
                .horizon(Duration.ofSeconds(4))
                .workerThreads(8)
                .listener(listener)
                .build()) {
      timer.start();
      // Scheduled from 4 threads (the pool's size); every due time lies after the scheduling ends.
      Instant base = Instant.now();
      for (int i = 0; i < STRADDLERS; i++) {
        String id = "straddle-" + i;
        timer.scheduleAt(base.plusMillis(4_000), TimerSpec.of("straddler", "p-s").id(id));
        acknowledged.add(id);
      }
      ExecutorService schedulers = Executors.newFixedThreadPool(4);
      try {
        List<Future<?>> calls = new ArrayList<>();
        for (int i = 0; i < TIMERS; i++) {
          String id = String.format("t-%03d", i);
          Instant due = base.plusMillis(4_000 + 40L * i);
          calls.add(
              schedulers.submit(
                  () -> {
                    timer.scheduleAt(
                        due, TimerSpec.of("reminder", "p-" + (id.hashCode() & 15)).id(id));
                    acknowledged.add(id);
                  }));
        }
        for (Future<?> call : calls) {
          call.get();
        }
      } finally {
        schedulers.shutdown();
      }
      scheduledInMillis = Duration.between(base, Instant.now()).toMillis();

      // (a) The server terminates every connection of the store while timers are firing.
      Poll.until(
          Duration.ofSeconds(30), "20 timers fired", () -> fires.size() >= 20, fires::toString);
      terminated = killStoreSessions();
      assertThat(terminated).as("sessions of the store killed").isPositive();
      for (int i = 0; i < 10; i++) {
        String id = "after-kill-" + i;
        try {
          timer.scheduleAfter(Duration.ofSeconds(3), TimerSpec.of("reminder", "p-k").id(id));
          acknowledged.add(id);
        } catch (StoreException e) {
          refusedAfterKill.add(id);
        }
      }

      // (b) The database goes away while callbacks run and timers are due.
      // Not asserted here: a straddler that never runs shows up below as a lost timer.
      straddlersRunning.await(20, TimeUnit.SECONDS);
      straddlersAtOutage = (int) (STRADDLERS - straddlersRunning.getCount());
      proxy.goDown();
      long outageStart = System.nanoTime();
      outageBegan.countDown();
      int j = 0;
      while (System.nanoTime() - outageStart < MIN_OUTAGE.toNanos()
          || count(storeErrors, "complete") < straddlersAtOutage
          || count(storeErrors, "get") < 1) {
        assertThat(Duration.ofNanos(System.nanoTime() - outageStart))
            .as("outage waiting for store errors %s", storeErrors)
            .isLessThan(Duration.ofSeconds(40));
        String id = "outage-" + j++;
        try {
          timer.scheduleAfter(Duration.ofSeconds(2), TimerSpec.of("reminder", "p-o").id(id));
          acceptedDuringOutage.add(id);
        } catch (StoreException e) {
          refusedDuringOutage.add(id);
        } catch (RuntimeException e) {
          otherFailures.add(e);
        }
      }
      proxy.comeUp();
      outageNanos = System.nanoTime() - outageStart;

      // Afterwards: every acknowledged timer fires and its outcome is written (the table empties).
      // Generous: the last timer is due about 16 s after scheduling began, outcome retries back off
      // to a few seconds.
      Poll.within(
          Duration.ofSeconds(30),
          () -> fires.keySet().containsAll(acknowledged) && store.count(TimerQuery.all()) == 0);
      stillStored = store.list(TimerQuery.all());
      statsAtEnd = timer.stats().toString();
      schedulerThread =
          Thread.getAllStackTraces().entrySet().stream()
              .filter(e -> e.getKey().getName().startsWith("persistent-timers-scheduler"))
              .map(
                  e ->
                      e.getKey().getName()
                          + " "
                          + e.getKey().getState()
                          + " "
                          + java.util.Arrays.toString(e.getValue()))
              .toList()
              .toString();

      for (String id : refusedDuringOutage) {
        assertThat(store.get(id)).as("refused timer %s stored", id).isEmpty();
      }
      for (String id : refusedAfterKill) {
        assertThat(store.get(id)).as("refused timer %s stored", id).isEmpty();
      }
    }
    // The engine is closed: no callback can still be running.

    Map<String, Integer> firedCounts =
        fires.entrySet().stream()
            .collect(
                Collectors.toMap(
                    Map.Entry::getKey, e -> e.getValue().get(), (a, b) -> a, TreeMap::new));
    Map<String, Integer> duplicates =
        firedCounts.entrySet().stream()
            .filter(e -> e.getValue() > 1)
            .collect(
                Collectors.toMap(
                    Map.Entry::getKey, Map.Entry::getValue, (a, b) -> a, TreeMap::new));
    List<String> lost =
        acknowledged.stream().filter(id -> !fires.containsKey(id)).sorted().toList();
    Set<String> firedButNotAcknowledged =
        fires.keySet().stream()
            .filter(id -> !acknowledged.contains(id))
            .collect(Collectors.toSet());

    System.out.printf(
        "MariaDbOutageIT: scheduled in %d ms; straddling callbacks running at the outage=%d;"
            + " timers acknowledged=%d (of which after-kill %d; refused after kill %d),"
            + " sessions killed=%d, outage=%d ms, schedule calls refused during outage=%d"
            + " (accepted %d, other failures %d), store errors seen=%s, fired=%d, duplicates=%d,"
            + " lost=%d%n",
        scheduledInMillis,
        straddlersAtOutage,
        acknowledged.size(),
        10 - refusedAfterKill.size(),
        refusedAfterKill.size(),
        terminated,
        TimeUnit.NANOSECONDS.toMillis(outageNanos),
        refusedDuringOutage.size(),
        acceptedDuringOutage.size(),
        otherFailures.size(),
        new TreeMap<>(storeErrors),
        firedCounts.size(),
        duplicates.size(),
        lost.size());

    assertThat(otherFailures).as("schedule failures other than StoreException").isEmpty();
    assertThat(acceptedDuringOutage)
        .as("schedule calls that succeeded with the database away")
        .isEmpty();
    assertThat(refusedDuringOutage).isNotEmpty();
    assertThat(count(storeErrors, "complete"))
        .as("outcome writes retried")
        .isGreaterThanOrEqualTo(STRADDLERS);
    if (!lost.isEmpty()) {
      List<String> lostAfterGetError =
          lost.stream().filter(id -> failedStoreCallIds.contains("get:" + id)).toList();
      System.out.printf(
          "MariaDbOutageIT: lost %d, of which %d had a failed pre-fire get: %s; lost without: %s;"
              + " scheduler thread: %s%n",
          lost.size(),
          lostAfterGetError.size(),
          lostAfterGetError,
          lost.stream().filter(id -> !lostAfterGetError.contains(id)).toList(),
          schedulerThread);
    }
    assertThat(lost)
        .as(
            "acknowledged timers that never fired; still stored %s; engine %s",
            stillStored, statsAtEnd)
        .isEmpty();
    assertThat(straddlersAtOutage)
        .as("straddling callbacks running when the outage began")
        .isEqualTo(STRADDLERS);
    assertThat(stillStored).as("timers left in the store").isEmpty();
    assertThat(duplicates).as("timers fired more than once without a crash").isEmpty();
    assertThat(firedButNotAcknowledged).as("fired timers whose schedule call failed").isEmpty();
    assertThat(firedCounts).hasSize(acknowledged.size());
  }

  private static int count(Map<String, AtomicInteger> counts, String key) {
    AtomicInteger n = counts.get(key);
    return n == null ? 0 : n.get();
  }
}
