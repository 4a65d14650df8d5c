package io.persistenttimers.store.postgres;

import static io.persistenttimers.testkit.Records.T0;
import static io.persistenttimers.testkit.Records.record;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.persistenttimers.StoreException;
import io.persistenttimers.TimerQuery;
import io.persistenttimers.TimerRecord;
import io.persistenttimers.testkit.Records;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Failures surface as StoreException without params; the store's own pool heals. */
class PostgresFailureTest {
  private static final String SCHEMA = PgTestSupport.newSchemaName("fail");

  @BeforeEach
  void emptySchema() {
    PgTestSupport.dropSchema(SCHEMA);
  }

  @AfterAll
  static void drop() {
    PgTestSupport.dropSchema(SCHEMA);
  }

  /** Message, cause chain and stack trace, as they would appear in a log. */
  static String fullText(Throwable t) {
    StringWriter out = new StringWriter();
    t.printStackTrace(new PrintWriter(out));
    return out.toString();
  }

  private static String appUrl(String applicationName) {
    return PgTestSupport.URL
        + (PgTestSupport.URL.contains("?") ? "&" : "?")
        + "ApplicationName="
        + applicationName;
  }

  @Test
  void terminatedBackends_nextCallSucceeds() throws Exception {
    String app = "pt-test-" + UUID.randomUUID().toString().substring(0, 8);
    try (PostgresStore store =
        PostgresStore.builder(appUrl(app)).schema(SCHEMA).poolSize(2).build()) {
      TimerRecord r = record("survivor").build();
      store.insert(r);
      assertThat(store.get("survivor")).contains(r);

      String killed =
          PgTestSupport.queryString(
              "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = '"
                  + app
                  + "'");
      assertThat(Integer.parseInt(killed)).isPositive();

      // The very next call may meet a dead connection: then it fails as a StoreException only.
      try {
        store.get("survivor");
      } catch (StoreException expected) {
        assertThat(expected).hasMessageContaining("survivor");
      }
      // Hikari evicts the broken connections (and checks idle ones on borrow): within a few
      // calls the store works again, every failure on the way being a StoreException.
      Optional<TimerRecord> again = Optional.empty();
      for (int attempt = 0; attempt < 20 && again.isEmpty(); attempt++) {
        try {
          again = store.get("survivor");
        } catch (StoreException expected) {
          assertThat(expected).hasMessageContaining("survivor");
        }
      }
      assertThat(again).contains(r);
      assertThat(store.list()).containsExactly(r);
    }
  }

  @Test
  void unreachableServer_failsAtBuildWithStoreException() {
    long start = System.nanoTime();
    assertThatThrownBy(
            () ->
                PostgresStore.builder(
                        "jdbc:postgresql://127.0.0.1:1/test?user=postgres&password=hunter2")
                    .connectionTimeout(Duration.ofMillis(500))
                    .build())
        .isInstanceOf(StoreException.class)
        .hasMessageContaining("127.0.0.1:1")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("hunter2"));
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(20));
  }

  @Test
  void paramsThatAreNotJson_areRefusedBeforeTheStore_withoutParamsInTheException() {
    try (PostgresStore store =
        PostgresStore.builder(PgTestSupport.URL).schema(SCHEMA).poolSize(2).build()) {
      // Core refuses them (the same on every store); the table's CHECK is only a second line.
      assertThatThrownBy(() -> record("not-json").params("phone=+15550123; name=Zoë").build())
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("params is not valid JSON")
          .satisfies(e -> assertThat(fullText(e)).doesNotContain("15550123").doesNotContain("Zoë"));
      assertThat(store.get("not-json")).isEmpty();

      TimerRecord good =
          record("json-kept-exactly").params("{ \"z\":1, \"a\" : {\"y\":[1, 2]} }").build();
      store.insert(good);
      assertThat(store.get(good.id()).orElseThrow().params()).isEqualTo(good.params());
    }
  }

  @Test
  void failuresOfParticipantOperations_nameTheOperation_neverTheParticipant() {
    String email = "ana.silva@example.org";
    PostgresStore store =
        PostgresStore.builder(PgTestSupport.URL).schema(SCHEMA).poolSize(1).build();
    store.close();

    assertThatThrownBy(() -> store.deleteByParticipant(email, "coaching"))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining("delete of timers of a participant and flow type 'coaching'")
        .satisfies(e -> assertThat(fullText(e)).doesNotContain(email));
    assertThatThrownBy(() -> store.listByParticipant(email))
        .isInstanceOf(StoreException.class)
        .satisfies(e -> assertThat(fullText(e)).doesNotContain(email));
    assertThatThrownBy(() -> store.count(io.persistenttimers.TimerQuery.all().participant(email)))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining("participant=given")
        .satisfies(e -> assertThat(fullText(e)).doesNotContain(email));
  }

  @Test
  void closedStore_failsWithStoreException() {
    PostgresStore store =
        PostgresStore.builder(PgTestSupport.URL).schema(SCHEMA).poolSize(1).build();
    store.close();
    assertThatThrownBy(() -> store.get("any"))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining("'any'");
  }

  @Test
  void twoNodes_fourWriters_loseNoUpdate() throws Exception {
    try (PostgresStore nodeA =
            PostgresStore.builder(PgTestSupport.URL).schema(SCHEMA).poolSize(2).build();
        PostgresStore nodeB =
            PostgresStore.builder(PgTestSupport.URL).schema(SCHEMA).poolSize(2).build()) {
      nodeA.insert(record("shared-counter").build());
      int perThread = 20;
      ExecutorService pool = Executors.newFixedThreadPool(4);
      try {
        List<Future<Integer>> futures = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
          PostgresStore store = t % 2 == 0 ? nodeA : nodeB;
          Callable<Integer> writer =
              () -> {
                int done = 0;
                int conflicts = 0;
                while (done < perThread) {
                  TimerRecord current = store.get("shared-counter").orElseThrow();
                  TimerRecord next =
                      Records.rescheduled(
                          current,
                          current.nextFireAt().plusSeconds(1),
                          current.attempt() + 1,
                          null,
                          null,
                          T0);
                  if (store.update(next, current.version())) {
                    done++;
                  } else {
                    conflicts++;
                  }
                }
                return conflicts;
              };
          futures.add(pool.submit(writer));
        }
        for (Future<Integer> f : futures) {
          f.get();
        }
      } finally {
        pool.shutdownNow();
      }
      TimerRecord end = nodeB.get("shared-counter").orElseThrow();
      assertThat(end.attempt()).isEqualTo(4 * perThread);
      assertThat(end.version()).isEqualTo(1 + 4 * perThread);
      assertThat(end.nextFireAt()).isEqualTo(T0.plusSeconds(4 * perThread));
      assertThat(nodeA.count(TimerQuery.all())).isEqualTo(1);
      nodeA.delete("shared-counter");
    }
  }
}
