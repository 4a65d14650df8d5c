package io.persistenttimers.store.mariadb;

import static io.persistenttimers.testkit.Records.record;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.zaxxer.hikari.HikariDataSource;
import io.persistenttimers.spi.Write;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Multi-node mode with real processes: every node is a JVM of its own ({@link MariaDbNodeMain}) on
 * one database of the real server, and every node's journal (one fsync'd line per callback start
 * and end) is the witness of what fired where. Crashes are {@code kill -9}, pauses {@code SIGSTOP}.
 *
 * <p>The machine may be slow and shared: the tests wait with generous deadlines, assert on outcomes
 * (exactly once, nothing lost, no steal, fencing), and print the measured figures (lateness,
 * takeover time) instead of asserting tight bounds on them.
 */
@Timeout(180)
class MariaDbMultiNodeIT {
  private static final Duration LEASE = Duration.ofSeconds(5);
  private static final Duration POLL = Duration.ofMillis(500);
  private static final int FAULTLESS = 3_000;
  private static final int KILLED = 1_500;

  /** Journals and node output; kept under target/ for a failure's post-mortem. */
  private Path dir;

  private String database;
  private HikariDataSource dataSource;
  private MariaDbStore store;
  private final List<Node> nodes = new ArrayList<>();

  @BeforeEach
  void createSchema() {
    database = MariaDbTestSupport.newDatabase("multinode");
    dir = Path.of("target", "multinode", database).toAbsolutePath();
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    dataSource = MariaDbTestSupport.dataSource(database, MariaDbTestSupport.SESSION_ZONE, 4);
    store = MariaDbStore.builder(dataSource).build();
  }

  @AfterEach
  void stopNodesAndDropSchema() {
    for (Node node : nodes) {
      node.destroy();
    }
    store.close();
    dataSource.close();
    MariaDbTestSupport.dropDatabase(database);
  }

  // --- the scenario ------------------------------------------------------------------------

  /**
   * One set of three node JVMs, two phases: first {@value #FAULTLESS} timers due over 10 s with no
   * fault (each must fire exactly once, spread over the nodes); then {@value #KILLED} more, and the
   * node holding the most leases is killed with {@code kill -9} mid-run (its timers must fire on
   * the others after the lease; only its interrupted runs may run twice).
   */
  @Test
  void threeNodes_exactlyOnceWithoutFaults_thenAKilledNodesTimersFireElsewhere() throws Exception {
    List<Node> three = startNodes(Map.of(), "node-a", "node-b", "node-c");

    // Phase 1: no fault.
    long insertStart = System.currentTimeMillis();
    Instant base = Instant.ofEpochMilli(insertStart).plusSeconds(8);
    Map<String, Instant> due = insertUniform("t", FAULTLESS, base, Duration.ofSeconds(10));
    System.out.printf(
        "[mariadb multinode] inserted %d timers in %d ms%n",
        FAULTLESS, System.currentTimeMillis() - insertStart);
    awaitAllFired(due.keySet(), three, base.plusSeconds(10).plusSeconds(60));
    Journal journal = Journal.read(three);
    assertThat(journal.duplicateEnds()).as("timers whose callback completed twice").isEmpty();
    assertThat(journal.ended())
        .as("timers fired")
        .containsExactlyInAnyOrderElementsOf(due.keySet());
    assertThat(journal.startedMoreThanOnce()).as("timers started twice").isEmpty();
    assertThat(journal.takenOver())
        .as("fires of a taken-over version (no fault happened)")
        .isEmpty();
    Map<String, Long> perNode = journal.endsPerNode();
    System.out.printf(
        "[mariadb multinode] %d timers over 10 s: fired %d, duplicates 0, lost 0, per node %s,"
            + " lateness %s%n",
        FAULTLESS, journal.ended().size(), perNode, Stats.of(journal.lateness(n -> true)));
    for (Node node : three) {
      assertThat(perNode.getOrDefault(node.id, 0L))
          .as("share of %s", node.id)
          .isGreaterThanOrEqualTo(FAULTLESS / 10);
    }

    // Phase 2: kill -9 the node that holds the most live leases.
    Instant killBase = Instant.now().plusSeconds(2);
    Map<String, Instant> killDue = insertUniform("k", KILLED, killBase, Duration.ofSeconds(10));
    sleepUntil(killBase.plusSeconds(3));
    Map<String, Long> held = liveLeasesPerOwner();
    String victimId =
        held.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow().getKey();
    Node victim = three.stream().filter(n -> n.id.equals(victimId)).findFirst().orElseThrow();
    long killedAt = System.currentTimeMillis();
    victim.process.destroyForcibly();
    assertThat(victim.process.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
    Set<String> claimedAtKill = idsOwnedBy(victimId);
    assertThat(claimedAtKill).as("timers the killed node held").isNotEmpty();

    List<Node> survivors = three.stream().filter(n -> n != victim).toList();
    awaitAllFired(killDue.keySet(), three, killBase.plusSeconds(10).plusSeconds(60));
    stopAll(survivors);

    Journal after = Journal.read(three);
    Set<String> killPhase = new HashSet<>(killDue.keySet());
    assertThat(after.ended()).as("timers fired").containsAll(killPhase);
    Set<String> interrupted = new HashSet<>(after.startedWithoutEnd(victimId));
    for (String id : after.endedBy(victimId)) {
      if (claimedAtKill.contains(id)) {
        interrupted.add(id);
      }
    }
    Set<String> twice = after.firedMoreThanOnce();
    long takeover = after.firstStartOf(claimedAtKill, survivorIds(survivors)) - killedAt;
    long lastTaken = after.lastStartOf(claimedAtKill, survivorIds(survivors)) - killedAt;
    System.out.printf(
        "[mariadb multinode] kill -9 of %s holding %d of %d timers (live leases %s):"
            + " %d runs interrupted, %d timers ran twice, lost %d; takeover %d ms after the kill"
            + " (lease %d ms + poll %d ms), last of its timers %d ms after%n",
        victimId,
        claimedAtKill.size(),
        KILLED,
        held,
        interrupted.size(),
        twice.size(),
        killPhase.stream().filter(id -> !after.ended().contains(id)).count(),
        takeover,
        LEASE.toMillis(),
        POLL.toMillis(),
        lastTaken);
    assertThat(twice)
        .as("timers run twice other than the interrupted ones")
        .isSubsetOf(interrupted);
    for (String id : twice) {
      assertThat(after.nodesThatEnded(id).stream().filter(n -> !n.equals(victimId)))
          .as("survivors completing %s", id)
          .hasSize(1);
    }
    assertThat(takeover).as("takeover time (ms)").isLessThan(LEASE.plus(POLL).toMillis() + 15_000);
    assertThat(tableCount()).isZero();
  }

  private List<Node> startNodes(Map<String, String> settings, String... ids) throws Exception {
    List<Node> started = new ArrayList<>();
    for (String id : ids) {
      started.add(startNode(settings, id, 0));
    }
    awaitReady(started);
    return started;
  }

  private Node startNode(Map<String, String> settings, String id, long clockOffsetMillis)
      throws IOException {
    Path journal = dir.resolve(id + ".journal");
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx256m");
    command.add("-XX:+UseSerialGC");
    command.add("-XX:TieredStopAtLevel=1");
    command.add("-Duser.timezone=America/Sao_Paulo");
    settings.forEach((k, v) -> command.add("-D" + k + "=" + v));
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(MariaDbNodeMain.class.getName());
    command.add(database);
    command.add(id);
    command.add(journal.toString());
    command.add(Long.toString(clockOffsetMillis));
    Path out = dir.resolve(id + ".out");
    Path err = dir.resolve(id + ".err");
    Process process =
        new ProcessBuilder(command)
            .redirectOutput(out.toFile())
            .redirectError(err.toFile())
            .start();
    Node node = new Node(id, process, journal, out, err);
    nodes.add(node);
    return node;
  }

  private static void awaitReady(List<Node> starting) throws InterruptedException {
    long begin = System.currentTimeMillis();
    for (Node node : starting) {
      await(
          node.id + " READY",
          Duration.ofSeconds(90),
          () -> {
            if (!node.process.isAlive()) {
              fail(node.id + " exited with " + node.process.exitValue() + ": " + node.errTail());
            }
            return node.output().contains("READY");
          });
    }
    System.out.printf(
        "[multinode] %d nodes READY after %d ms%n",
        starting.size(), System.currentTimeMillis() - begin);
  }

  private static void stopAll(List<Node> running) throws InterruptedException {
    for (Node node : running) {
      node.requestStop();
    }
    for (Node node : running) {
      if (!node.process.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)) {
        fail(node.id + " did not stop: " + node.errTail());
      }
      assertThat(node.process.exitValue()).as("exit of %s: %s", node.id, node.errTail()).isZero();
    }
  }

  private static Set<String> survivorIds(List<Node> survivors) {
    return survivors.stream().map(n -> n.id).collect(Collectors.toSet());
  }

  /** Waits until every id has an "end" line and the table is empty. */
  private void awaitAllFired(Collection<String> ids, List<Node> all, Instant deadline)
      throws InterruptedException {
    Duration left = Duration.between(Instant.now(), deadline);
    try {
      await(
          ids.size() + " timers fired",
          left.isNegative() ? Duration.ofSeconds(1) : left,
          () -> tableCount() == 0 && Journal.read(all).ended().containsAll(ids));
    } catch (AssertionError e) {
      Set<String> missing = new HashSet<>(ids);
      missing.removeAll(Journal.read(all).ended());
      StringBuilder report = new StringBuilder(e.getMessage());
      report
          .append("\n")
          .append(missing.size())
          .append(" without an end line, e.g. ")
          .append(missing.stream().sorted().limit(10).toList());
      query(
          "SELECT owner, status, count(*), min(next_fire_at), max(next_fire_at), min(lease_until),"
              + " max(lease_until), max(lease_epoch), max(version), UTC_TIMESTAMP(3) FROM "
              + table()
              + " GROUP BY owner, status",
          rs -> {
            report.append("\n  row group:");
            for (int i = 1; i <= 10; i++) {
              report.append(' ').append(rs.getString(i));
            }
          });
      for (Node node : all) {
        report
            .append("\n--- ")
            .append(node.id)
            .append(" alive=")
            .append(node.process.isAlive())
            .append(" stderr tail:\n")
            .append(node.errTail());
      }
      throw new AssertionError(report.toString(), e);
    }
  }

  private static final class Node {
    final String id;
    final Process process;
    final Path journal;
    final Path out;
    final Path err;

    Node(String id, Process process, Path journal, Path out, Path err) {
      this.id = id;
      this.process = process;
      this.journal = journal;
      this.out = out;
      this.err = err;
    }

    String output() {
      return read(out);
    }

    String errTail() {
      String text = read(err);
      return text.length() > 4000 ? text.substring(text.length() - 4000) : text;
    }

    void signal(String signal) throws IOException, InterruptedException {
      Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid())).start();
      assertThat(kill.waitFor()).as("kill -%s %s", signal, id).isZero();
    }

    void requestStop() {
      try (OutputStream in = process.getOutputStream()) {
        in.write("stop\n".getBytes(StandardCharsets.UTF_8));
      } catch (IOException e) {
        // already gone
      }
    }

    /**
     * Asks the node for its stats and says whether its latest answer showed nothing armed and
     * nothing running (the answer to this request may arrive by the next call).
     */
    boolean isIdle() {
      try {
        OutputStream in = process.getOutputStream();
        in.write("stats\n".getBytes(StandardCharsets.UTF_8));
        in.flush();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      String last =
          output().lines().filter(l -> l.startsWith("STATS ")).reduce((a, b) -> b).orElse("");
      return last.equals("STATS armed=0 running=0");
    }

    void destroy() {
      if (process.isAlive()) {
        try {
          signal("CONT");
        } catch (Exception e) {
          // best effort: a stopped process ignores SIGKILL until continued on some kernels
        }
        process.destroyForcibly();
      }
    }

    private static String read(Path path) {
      try {
        return Files.exists(path) ? Files.readString(path) : "";
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  // --- journals ----------------------------------------------------------------------------

  private record Line(String node, String id, long due, long at, boolean start, long version) {}

  /** Every node's journal lines; a torn last line (a killed node) is ignored. */
  private record Journal(List<Line> lines) {
    static Journal read(List<Node> all) {
      List<Line> lines = new ArrayList<>();
      for (Node node : all) {
        for (String text : Node.read(node.journal).split("\n")) {
          String[] f = text.split(" ");
          if (f.length != 6 || !(f[4].equals("start") || f[4].equals("end"))) {
            continue;
          }
          lines.add(
              new Line(
                  f[0],
                  f[1],
                  Long.parseLong(f[2]),
                  Long.parseLong(f[3]),
                  f[4].equals("start"),
                  Long.parseLong(f[5])));
        }
      }
      return new Journal(lines);
    }

    Set<String> ended() {
      return lines.stream().filter(l -> !l.start).map(Line::id).collect(Collectors.toSet());
    }

    Set<String> endedBy(String node) {
      return lines.stream()
          .filter(l -> !l.start && l.node.equals(node))
          .map(Line::id)
          .collect(Collectors.toSet());
    }

    Set<String> startedBy(String node, long atOrAfter) {
      return lines.stream()
          .filter(l -> l.start && l.node.equals(node) && l.at >= atOrAfter)
          .map(Line::id)
          .collect(Collectors.toSet());
    }

    Set<String> startedWithoutEnd(String node) {
      Set<String> started = startedBy(node, Long.MIN_VALUE);
      started.removeAll(endedBy(node));
      return started;
    }

    List<String> nodesThatEnded(String id) {
      return lines.stream().filter(l -> !l.start && l.id.equals(id)).map(Line::node).toList();
    }

    private static Set<String> countedMoreThanOnce(java.util.stream.Stream<Line> lines) {
      Map<String, Long> counts =
          lines.collect(Collectors.groupingBy(Line::id, Collectors.counting()));
      return counts.entrySet().stream()
          .filter(e -> e.getValue() > 1)
          .map(Map.Entry::getKey)
          .collect(Collectors.toCollection(java.util.TreeSet::new));
    }

    Set<String> duplicateEnds() {
      return countedMoreThanOnce(lines.stream().filter(l -> !l.start));
    }

    Set<String> startedMoreThanOnce() {
      return countedMoreThanOnce(lines.stream().filter(l -> l.start));
    }

    /** Timers whose callback started more than once, on any nodes. */
    Set<String> firedMoreThanOnce() {
      return startedMoreThanOnce();
    }

    /** Runs of a version other than the inserted one (1): the timer changed hands. */
    Set<String> takenOver() {
      return lines.stream().filter(l -> l.version != 1).map(Line::id).collect(Collectors.toSet());
    }

    Map<String, Long> endsPerNode() {
      return lines.stream()
          .filter(l -> !l.start)
          .collect(Collectors.groupingBy(Line::node, TreeMap::new, Collectors.counting()));
    }

    long firstStartOf(Set<String> ids, Set<String> onNodes) {
      return startsOf(ids, onNodes).min().orElseThrow();
    }

    long lastStartOf(Set<String> ids, Set<String> onNodes) {
      return startsOf(ids, onNodes).max().orElseThrow();
    }

    private java.util.stream.LongStream startsOf(Set<String> ids, Set<String> onNodes) {
      return lines.stream()
          .filter(l -> l.start && ids.contains(l.id) && onNodes.contains(l.node))
          .mapToLong(Line::at);
    }

    /** Real firing time minus due time (ms) of each first start of a timer matching the filter. */
    List<Long> lateness(java.util.function.Predicate<String> idFilter) {
      Map<String, Long> first = new HashMap<>();
      for (Line l : lines) {
        if (l.start && idFilter.test(l.id)) {
          first.merge(l.id, l.at - l.due, Math::min);
        }
      }
      return new ArrayList<>(first.values());
    }

    List<Long> latenessOn(String node) {
      return lines.stream()
          .filter(l -> l.start && l.node.equals(node))
          .map(l -> l.at - l.due)
          .toList();
    }
  }

  /** p50 / p99 / max of a sample, for the report. */
  private record Stats(int n, long min, long p50, long p99, long max) {
    static Stats of(List<Long> sample) {
      List<Long> sorted = new ArrayList<>(sample);
      sorted.sort(null);
      if (sorted.isEmpty()) {
        return new Stats(0, 0, 0, 0, 0);
      }
      return new Stats(
          sorted.size(),
          sorted.get(0),
          sorted.get((sorted.size() - 1) / 2),
          sorted.get((int) Math.ceil(sorted.size() * 0.99) - 1),
          sorted.get(sorted.size() - 1));
    }

    @Override
    public String toString() {
      return String.format("n=%d min=%d p50=%d p99=%d max=%d ms", n, min, p50, p99, max);
    }
  }

  // --- database ----------------------------------------------------------------------------

  /** Inserts {@code count} unowned timers due uniformly over {@code span} from {@code first}. */
  private Map<String, Instant> insertUniform(
      String prefix, int count, Instant first, Duration span) {
    Map<String, Instant> due = new LinkedHashMap<>();
    List<Write> batch = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      String id = prefix + i;
      Instant at = first.plusNanos(span.toNanos() * i / count);
      due.put(id, at);
      batch.add(new Write.Insert(record(id).callbackType(MariaDbNodeMain.TYPE).due(at).build()));
      if (batch.size() == 1_000 || i == count - 1) {
        assertThat(store.writeAll(batch)).containsOnly(true);
        batch.clear();
      }
    }
    return due;
  }

  private String table() {
    return MariaDbStore.quoteIdentifier(database) + ".persistent_timers";
  }

  private long tableCount() {
    return Long.parseLong(MariaDbTestSupport.queryString("SELECT count(*) FROM " + table()));
  }

  private long ownedCount() {
    return Long.parseLong(
        MariaDbTestSupport.queryString(
            "SELECT count(*) FROM " + table() + " WHERE owner IS NOT NULL"));
  }

  private long maxLeaseEpoch() {
    return Long.parseLong(
        MariaDbTestSupport.queryString("SELECT COALESCE(MAX(lease_epoch), 0) FROM " + table()));
  }

  private Map<String, Long> liveLeasesPerOwner() {
    Map<String, Long> result = new TreeMap<>();
    query(
        "SELECT owner, count(*) FROM "
            + table()
            + " WHERE owner IS NOT NULL AND lease_until > UTC_TIMESTAMP(3) GROUP BY owner",
        rs -> result.put(rs.getString(1), rs.getLong(2)));
    return result;
  }

  private Set<String> idsOwnedBy(String owner) {
    Set<String> ids = new HashSet<>();
    query(
        "SELECT id FROM " + table() + " WHERE owner = '" + owner + "'",
        rs -> ids.add(rs.getString(1)));
    return ids;
  }

  private record Lease(String owner, long epoch) {}

  /** Owner and lease epoch of the stored rows among {@code ids}. */
  private Map<String, Lease> leaseRows(Set<String> ids) {
    Map<String, Lease> rows = new HashMap<>();
    query(
        "SELECT id, owner, lease_epoch FROM " + table(),
        rs -> {
          if (ids.contains(rs.getString(1))) {
            rows.put(rs.getString(1), new Lease(rs.getString(2), rs.getLong(3)));
          }
        });
    return rows;
  }

  private interface RowConsumer {
    void accept(java.sql.ResultSet rs) throws java.sql.SQLException;
  }

  private void query(String sql, RowConsumer consumer) {
    try (java.sql.Connection c = dataSource.getConnection();
        java.sql.Statement s = c.createStatement();
        java.sql.ResultSet rs = s.executeQuery(sql)) {
      while (rs.next()) {
        consumer.accept(rs);
      }
    } catch (java.sql.SQLException e) {
      throw new AssertionError("SQL failed: " + sql, e);
    }
  }

  // --- waiting -----------------------------------------------------------------------------

  private static void await(String what, Duration timeout, BooleanSupplier condition) {
    Poll.until(timeout, what, condition);
  }

  private static void sleepUntil(Instant instant) throws InterruptedException {
    long millis = Duration.between(Instant.now(), instant).toMillis();
    if (millis > 0) {
      Thread.sleep(millis);
    }
  }
}
