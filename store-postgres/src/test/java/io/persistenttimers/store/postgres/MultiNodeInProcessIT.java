package io.persistenttimers.store.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import io.persistenttimers.CallbackFactory;
import io.persistenttimers.IfExists;
import io.persistenttimers.MultiNode;
import io.persistenttimers.PersistentTimer;
import io.persistenttimers.TimerSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Two multi-node {@link PersistentTimer}s in this JVM (real threads, a store and pool each) on one
 * schema: host operations on one node act on timers the other node claimed and armed.
 */
@Timeout(120)
class MultiNodeInProcessIT {
  private record Fired(String node, String id, String params) {}

  private String schema;
  private final List<AutoCloseable> resources = new ArrayList<>();
  private final ConcurrentLinkedQueue<Fired> fired = new ConcurrentLinkedQueue<>();
  private PersistentTimer a;
  private PersistentTimer b;

  @BeforeEach
  void startTwoNodes() {
    schema = PgTestSupport.newSchemaName("mn_inproc");
    a = node("node-a");
    b = node("node-b");
    a.start();
    b.start();
  }

  private PersistentTimer node(String name) {
    HikariDataSource dataSource = PgTestSupport.dataSource(PgTestSupport.SESSION_ZONE, 4);
    PostgresStore store =
        PostgresStore.builder(dataSource).schema(schema).notifyOnInsert(true).build();
    PersistentTimer timer =
        PersistentTimer.builder(store)
            .multiNode(
                MultiNode.of(name)
                    .lease(Duration.ofSeconds(5))
                    .pollInterval(Duration.ofMillis(200))
                    .claimAhead(Duration.ofSeconds(30)))
            .register(
                "record",
                CallbackFactory.of(ctx -> fired.add(new Fired(name, ctx.timerId(), ctx.params()))))
            .build();
    resources.add(dataSource);
    resources.add(store);
    resources.add(timer);
    return timer;
  }

  @AfterEach
  void close() throws Exception {
    for (int i = resources.size() - 1; i >= 0; i--) {
      resources.get(i).close();
    }
    PgTestSupport.dropSchema(schema);
  }

  @Test
  void cancelOnOneNode_stopsTimersArmedByTheOther() throws Exception {
    int count = 20;
    Instant due = Instant.now().plusSeconds(6);
    for (int i = 0; i < count; i++) {
      a.scheduleAt(due, TimerSpec.of("record", "p").id("c" + i));
    }
    await(() -> owners().size() == count && !owners().containsValue(null));
    // Cancel every other timer on the node that does NOT hold it.
    Map<String, String> owners = owners();
    List<String> cancelled = new ArrayList<>();
    for (int i = 0; i < count; i += 2) {
      String id = "c" + i;
      (owners.get(id).equals("node-a") ? b : a).cancel(id);
      cancelled.add(id);
    }
    System.out.println(
        "[multinode] in-process cancel: owners " + owners.values().stream().sorted().toList());
    await(() -> fired.size() >= count / 2 && owners().isEmpty());
    // Nothing is left in memory on either node, so no late fire can follow the assertions.
    await(() -> idle(a) && idle(b));

    assertThat(fired).extracting(Fired::id).doesNotContainAnyElementsOf(cancelled);
    assertThat(fired).extracting(Fired::id).doesNotHaveDuplicates().hasSize(count / 2);
  }

  @Test
  void replaceOnOneNode_firesOnceWithTheNewParams() throws Exception {
    Instant due = Instant.now().plusSeconds(5);
    a.scheduleAt(due, TimerSpec.of("record", "p").id("r").params("{\"v\":1}"));
    await(() -> owners().get("r") != null);
    String owner = owners().get("r");
    PersistentTimer other = owner.equals("node-a") ? b : a;
    other.scheduleAt(
        due.plusSeconds(1),
        TimerSpec.of("record", "p").id("r").params("{\"v\":2}").ifExists(IfExists.REPLACE));

    await(() -> owners().isEmpty() && !fired.isEmpty());
    await(() -> idle(a) && idle(b));

    assertThat(fired)
        .extracting(Fired::id, Fired::params)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("r", "{\"v\":2}"));
    System.out.println(
        "[multinode] in-process replace: held by "
            + owner
            + ", replaced on the"
            + " other node, fired on "
            + fired.peek().node());
  }

  private static boolean idle(PersistentTimer node) {
    return node.stats().armed() == 0 && node.stats().running() == 0;
  }

  /** Id to owner (null when unowned) of every stored timer. */
  private Map<String, String> owners() {
    Map<String, String> owners = new java.util.HashMap<>();
    try (java.sql.Connection c = java.sql.DriverManager.getConnection(PgTestSupport.URL);
        java.sql.Statement s = c.createStatement();
        java.sql.ResultSet rs =
            s.executeQuery(
                "SELECT id, owner FROM "
                    + PostgresStore.quoteIdentifier(schema)
                    + ".persistent_timers")) {
      while (rs.next()) {
        owners.put(rs.getString(1), rs.getString(2));
      }
    } catch (java.sql.SQLException e) {
      throw new AssertionError(e);
    }
    return owners;
  }

  private static void await(BooleanSupplier condition) {
    Poll.until(Duration.ofSeconds(60), "the multi-node condition", condition);
  }
}
