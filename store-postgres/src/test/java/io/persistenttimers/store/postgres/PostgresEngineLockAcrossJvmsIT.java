package io.persistenttimers.store.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariDataSource;
import io.persistenttimers.CallbackFactory;
import io.persistenttimers.MultiNode;
import io.persistenttimers.PersistentTimer;
import io.persistenttimers.StoreInUseException;
import io.persistenttimers.TimerQuery;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The engine lock across processes: a node in a child JVM ({@link NodeMain}) holds a started engine
 * on a schema, and engines in this JVM are refused or admitted by mode. After the child is killed
 * ({@code destroyForcibly}, no clean-up), PostgreSQL ends its session and the lock with it; the
 * test waits for that on {@code pg_locks}, then starts here.
 */
@Timeout(180)
class PostgresEngineLockAcrossJvmsIT {
  @TempDir Path dir;
  private String schema;
  private HikariDataSource dataSource;
  private final List<AutoCloseable> resources = new ArrayList<>();
  private final List<Process> children = new ArrayList<>();

  @BeforeEach
  void createSchema() {
    schema = PgTestSupport.newSchemaName("enginelock_jvm");
    dataSource = PgTestSupport.dataSource(PgTestSupport.SESSION_ZONE, 4);
    PostgresStore.builder(dataSource).schema(schema).build().close();
  }

  @AfterEach
  void cleanUp() throws Exception {
    for (Process child : children) {
      child.destroyForcibly();
      child.waitFor(20, TimeUnit.SECONDS);
    }
    for (int i = resources.size() - 1; i >= 0; i--) {
      resources.get(i).close();
    }
    dataSource.close();
    PgTestSupport.dropSchema(schema);
  }

  private PersistentTimer engine(String multiNodeId) {
    PostgresStore store = PostgresStore.builder(dataSource).schema(schema).migrate(false).build();
    resources.add(store);
    PersistentTimer.Builder builder =
        PersistentTimer.builder(store).register(NodeMain.TYPE, CallbackFactory.of(ctx -> {}));
    if (multiNodeId != null) {
      builder.multiNode(MultiNode.of(multiNodeId));
    }
    PersistentTimer timer = builder.build();
    resources.add(timer);
    return timer;
  }

  /** A started {@link NodeMain} in its own JVM, once it printed READY. */
  private Process startChild(String nodeId, boolean singleNode) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx128m");
    command.add("-XX:+UseSerialGC");
    command.add("-XX:TieredStopAtLevel=1");
    command.add("-Dpt.singleNode=" + singleNode);
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(NodeMain.class.getName());
    command.add(schema);
    command.add(nodeId);
    command.add(dir.resolve(nodeId + ".journal").toString());
    Path out = dir.resolve(nodeId + ".out");
    Path err = dir.resolve(nodeId + ".err");
    Process child =
        new ProcessBuilder(command)
            .redirectOutput(out.toFile())
            .redirectError(err.toFile())
            .start();
    children.add(child);
    Poll.until(
        Duration.ofSeconds(60),
        nodeId + " READY",
        () -> {
          if (!child.isAlive()) {
            throw new AssertionError(nodeId + " exited: " + read(err));
          }
          return read(out).contains("READY");
        },
        () -> read(err));
    return child;
  }

  @Test
  void singleNodeEngineInAChildJvm_refusesEveryEngineHere_untilTheChildIsKilled() throws Exception {
    Process child = startChild("child-single", true);
    int childSession = lockSessions().get(0);

    PersistentTimer single = engine(null);
    PersistentTimer multi = engine("here-multi");
    assertThatThrownBy(single::start)
        .isInstanceOf(StoreInUseException.class)
        .hasMessageContaining("(single-node mode; session pid " + childSession)
        .hasMessageContaining("stop it, or run every node with multiNode(...)");
    assertThatThrownBy(multi::start)
        .isInstanceOf(StoreInUseException.class)
        .hasMessageContaining("(single-node mode; session pid " + childSession);
    assertThat(single.list(TimerQuery.all()))
        .isEmpty(); // an engine that is not started still reads

    child.destroyForcibly();
    assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
    // The server ends the dead client's session on its own; wait for that, not for a time.
    Poll.until(
        Duration.ofSeconds(30),
        "the killed child's session to let go of the lock",
        () -> lockSessions().isEmpty(),
        () -> "holders " + lockSessions());
    single.start();
    assertThat(lockSessions()).hasSize(1);
  }

  @Test
  void multiNodeEngineInAChildJvm_admitsMultiNodeHere_refusesSingleNode() throws Exception {
    Process child = startChild("child-multi", false);

    PersistentTimer single = engine(null);
    assertThatThrownBy(single::start)
        .isInstanceOf(StoreInUseException.class)
        .hasMessageContaining("in multi-node mode")
        .hasMessageContaining("run this one with multiNode(...) too");
    PersistentTimer multi = engine("here-multi");
    multi.start();
    assertThat(lockSessions()).hasSize(2);

    // A clean stop of the child and of this node frees the schema for a single-node engine.
    try (OutputStream in = child.getOutputStream()) {
      in.write("stop\n".getBytes(StandardCharsets.UTF_8));
    }
    assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
    multi.close();
    Poll.until(
        Duration.ofSeconds(30),
        "the stopped child's session gone",
        () -> lockSessions().isEmpty(),
        () -> "holders " + lockSessions());
    single.start();
  }

  private List<Integer> lockSessions() {
    int[] key = AdvisoryEngineLock.key(schema, PostgresStore.TABLE);
    String pids =
        PgTestSupport.queryString(
            "SELECT string_agg(pid::text, ',' ORDER BY pid) FROM pg_locks WHERE locktype ="
                + " 'advisory' AND granted AND objsubid = 2 AND classid::int8 = "
                + Integer.toUnsignedLong(key[0])
                + " AND objid::int8 = "
                + Integer.toUnsignedLong(key[1]));
    List<Integer> result = new ArrayList<>();
    if (pids != null) {
      for (String pid : pids.split(",")) {
        result.add(Integer.parseInt(pid));
      }
    }
    return result;
  }

  private static String read(Path path) {
    try {
      return Files.exists(path) ? Files.readString(path) : "";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
