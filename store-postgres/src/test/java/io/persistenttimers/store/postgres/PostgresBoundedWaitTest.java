package io.persistenttimers.store.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.persistenttimers.CallbackFactory;
import io.persistenttimers.PersistentTimer;
import io.persistenttimers.StoreException;
import io.persistenttimers.TimerSpec;
import io.persistenttimers.testkit.TcpProxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Every schedule call ends within the documented bound while the database is away: refused and
 * reset (the {@link TcpProxy} goes down) or stalled (the proxy accepts but forwards nothing). With
 * {@code connectionTimeout} 1 s and {@code socketTimeout} 1 s the bound is 2 × (1 s + 1 s).
 */
class PostgresBoundedWaitTest {
  private static final String SCHEMA = PgTestSupport.newSchemaName("bounded");
  private static final int THREADS = 8;
  private static final Duration FAULT = Duration.ofSeconds(6);
  private static final Duration BOUND = Duration.ofSeconds(4);
  private static final Duration SLACK = Duration.ofSeconds(1);

  @AfterAll
  static void drop() {
    PgTestSupport.dropSchema(SCHEMA);
  }

  @Test
  void refusedAndReset_everyScheduleCallEndsWithinTheBound() throws Exception {
    runThrough(TcpProxy::goDown, TcpProxy::comeUp, "refused");
  }

  @Test
  void stalledNetwork_everyScheduleCallEndsWithinTheBound() throws Exception {
    runThrough(TcpProxy::stall, TcpProxy::resume, "stalled");
  }

  @Test
  void build_whileStalled_failsWithinConnectionPlusSocketTimeout() {
    Matcher m = serverUrl();
    try (TcpProxy proxy =
        new TcpProxy(m.group(1), m.group(2) == null ? 5432 : Integer.parseInt(m.group(2)))) {
      proxy.stall();
      long start = System.nanoTime();
      assertThatThrownBy(
              () ->
                  PostgresStore.builder("jdbc:postgresql://127.0.0.1:" + proxy.port() + m.group(3))
                      .schema(SCHEMA)
                      .connectionTimeout(Duration.ofSeconds(1))
                      .socketTimeout(Duration.ofSeconds(1))
                      .build())
          .isInstanceOf(StoreException.class);
      Duration took = Duration.ofNanos(System.nanoTime() - start);
      System.out.printf("bounded-wait build while stalled: %d ms%n", took.toMillis());
      // Pool start-up, then the migration's own connection: each within 1 s + 1 s.
      assertThat(took).isLessThanOrEqualTo(Duration.ofSeconds(4).plus(SLACK));
    }
  }

  @Test
  void start_whileRefused_retriesAndStartsOnceTheDatabaseIsBack() throws Exception {
    Matcher m = serverUrl();
    try (TcpProxy proxy =
            new TcpProxy(m.group(1), m.group(2) == null ? 5432 : Integer.parseInt(m.group(2)));
        PostgresStore store = storeThrough(proxy, m);
        PersistentTimer timer =
            PersistentTimer.builder(store)
                .startTimeout(Duration.ofSeconds(20))
                .register("noop", CallbackFactory.of(ctx -> {}))
                .build()) {
      proxy.goDown();
      CompletableFuture<Void> started = CompletableFuture.runAsync(timer::start);
      long downUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
      Poll.until(
          Duration.ofSeconds(10), "2 s down", () -> System.nanoTime() >= downUntil, () -> "");
      assertThat(started).as("start() waits while the database is away").isNotDone();
      int acceptedBefore = proxy.accepted();
      proxy.comeUp();
      started.get(15, TimeUnit.SECONDS);
      assertThat(proxy.accepted()).isGreaterThan(acceptedBefore);
      timer.scheduleAfter(Duration.ofHours(1), TimerSpec.of("noop", "p"));
    }
  }

  @Test
  void start_whileStalled_throwsWithinStartTimeoutPlusOneAttempt() throws Exception {
    Matcher m = serverUrl();
    try (TcpProxy proxy =
            new TcpProxy(m.group(1), m.group(2) == null ? 5432 : Integer.parseInt(m.group(2)));
        PostgresStore store = storeThrough(proxy, m);
        PersistentTimer timer =
            PersistentTimer.builder(store)
                .startTimeout(Duration.ofSeconds(1))
                .register("noop", CallbackFactory.of(ctx -> {}))
                .build()) {
      proxy.stall();
      long begin = System.nanoTime();
      assertThatThrownBy(timer::start).isInstanceOf(StoreException.class);
      Duration took = Duration.ofNanos(System.nanoTime() - begin);
      System.out.printf("bounded-wait start while stalled: %d ms%n", took.toMillis());
      // startTimeout 1 s, then one attempt of at most connectionTimeout + socketTimeout (2 s).
      assertThat(took).isLessThanOrEqualTo(Duration.ofSeconds(3).plus(SLACK));
      proxy.resume();
    }
  }

  private static PostgresStore storeThrough(TcpProxy proxy, Matcher m) {
    return PostgresStore.builder("jdbc:postgresql://127.0.0.1:" + proxy.port() + m.group(3))
        .schema(SCHEMA)
        .poolSize(2)
        .connectionTimeout(Duration.ofSeconds(1))
        .socketTimeout(Duration.ofSeconds(1))
        .build();
  }

  private static Matcher serverUrl() {
    PgTestSupport.requireServer();
    Matcher m =
        Pattern.compile("^jdbc:postgresql://([^/:?]+)(?::(\\d+))?(/.*)$")
            .matcher(PgTestSupport.URL);
    assertThat(m.matches()).as("single-host URL: %s", PgTestSupport.URL).isTrue();
    return m;
  }

  private static void runThrough(Consumer<TcpProxy> fault, Consumer<TcpProxy> heal, String name)
      throws Exception {
    Matcher m = serverUrl();
    ConcurrentLinkedQueue<Long> faultCallMillis = new ConcurrentLinkedQueue<>();
    ConcurrentLinkedQueue<Throwable> unexpected = new ConcurrentLinkedQueue<>();
    AtomicInteger failed = new AtomicInteger();
    AtomicBoolean inFault = new AtomicBoolean();
    AtomicBoolean stop = new AtomicBoolean();
    try (TcpProxy proxy =
            new TcpProxy(m.group(1), m.group(2) == null ? 5432 : Integer.parseInt(m.group(2)));
        PostgresStore store =
            PostgresStore.builder("jdbc:postgresql://127.0.0.1:" + proxy.port() + m.group(3))
                .schema(SCHEMA)
                .poolSize(4)
                .connectionTimeout(Duration.ofSeconds(1))
                .socketTimeout(Duration.ofSeconds(1))
                .statementTimeout(Duration.ofMillis(800))
                .build();
        PersistentTimer timer =
            PersistentTimer.builder(store)
                .register("noop", CallbackFactory.of(ctx -> {}))
                .build()) {
      timer.start();
      ExecutorService callers = Executors.newFixedThreadPool(THREADS);
      try {
        List<Future<?>> loops = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
          loops.add(
              callers.submit(
                  () -> {
                    while (!stop.get()) {
                      boolean during = inFault.get();
                      long start = System.nanoTime();
                      try {
                        timer.scheduleAfter(
                            Duration.ofHours(1),
                            TimerSpec.of("noop", "p").id(name + "-" + UUID.randomUUID()));
                      } catch (StoreException e) {
                        failed.incrementAndGet();
                      } catch (RuntimeException e) {
                        unexpected.add(e);
                      }
                      if (during || inFault.get()) {
                        faultCallMillis.add(
                            TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
                      }
                    }
                  }));
        }
        inFault.set(true);
        fault.accept(proxy);
        long faultEnd = System.nanoTime() + FAULT.toNanos();
        Poll.until(
            FAULT.plusSeconds(5),
            "the fault lasted " + FAULT,
            () -> System.nanoTime() >= faultEnd,
            () -> "");
        heal.accept(proxy);
        inFault.set(false);
        Poll.until(
            Duration.ofSeconds(30),
            "a schedule call succeeds again",
            () -> {
              try {
                timer.scheduleAfter(Duration.ofHours(1), TimerSpec.of("noop", "p"));
                return true;
              } catch (StoreException e) {
                return false;
              }
            },
            () -> "");
        stop.set(true);
        for (Future<?> loop : loops) {
          loop.get(30, TimeUnit.SECONDS);
        }
      } finally {
        stop.set(true);
        callers.shutdownNow();
      }
    }
    long longest = faultCallMillis.stream().mapToLong(Long::longValue).max().orElse(0);
    System.out.printf(
        "bounded-wait %s: %d calls during the fault, %d failed, longest %d ms (bound %d ms)%n",
        name, faultCallMillis.size(), failed.get(), longest, BOUND.toMillis());
    assertThat(unexpected).isEmpty();
    assertThat(failed.get()).as("calls failed during the fault").isPositive();
    assertThat(Duration.ofMillis(longest)).isLessThanOrEqualTo(BOUND.plus(SLACK));
  }
}
