package io.persistenttimers.store.postgres;

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
 * Multi-node mode with real processes: every node is a JVM of its own ({@link NodeMain}) on one
 * schema of the real server, and every node's journal (one fsync'd line per callback start and end)
 * is the witness of what fired where. Crashes are {@code kill -9}, pauses {@code SIGSTOP}.
 *
 * <p>The machine may be slow and shared: the tests wait with generous deadlines, assert on outcomes
 * (exactly once, nothing lost, no steal, fencing), and print the measured figures (lateness,
 * takeover time) instead of asserting tight bounds on them.
 */
@Timeout(240)
class MultiNodeTest {
  private static final Duration LEASE = Duration.ofSeconds(5);
  private static final Duration POLL = Duration.ofMillis(500);

  /** Journals and node output; kept under target/ for a failure's post-mortem. */
  private Path dir;

  private String schema;
  private HikariDataSource dataSource;
  private PostgresStore store;
  private final List<Node> nodes = new ArrayList<>();

  @BeforeEach
  void createSchema() {
    schema = PgTestSupport.newSchemaName("multinode");
    dir = Path.of("target", "multinode", schema).toAbsolutePath();
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    dataSource = PgTestSupport.dataSource(PgTestSupport.SESSION_ZONE, 4);
    store = PostgresStore.builder(dataSource).schema(schema).notifyOnInsert(true).build();
  }

  @AfterEach
  void stopNodesAndDropSchema() {
    for (Node node : nodes) {
      node.destroy();
    }
    store.close();
    dataSource.close();
    PgTestSupport.dropSchema(schema);
  }

  // --- the scenarios -----------------------------------------------------------------------

  @Test
  void tenThousandTimersOverThirtySeconds_fireExactlyOnce_spreadOverThreeNodes() throws Exception {
    List<Node> three = startNodes(Map.of(), "node-a", "node-b", "node-c");
    int count = 10_000;
    long insertStart = System.currentTimeMillis();
    Instant base = Instant.ofEpochMilli(insertStart).plusSeconds(8);
    Map<String, Instant> due = insertUniform("t", count, base, Duration.ofSeconds(30));
    long insertedAt = System.currentTimeMillis();
    System.out.printf(
        "[multinode] 10k: inserted %d timers in %d ms; the first is due %d ms after that%n",
        count, insertedAt - insertStart, base.toEpochMilli() - insertedAt);

    awaitAllFired(due.keySet(), three, base.plusSeconds(30).plusSeconds(90));
    stopAll(three);

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
    System.out.println("[multinode] 10k: fires per node " + perNode);
    for (Node node : three) {
      assertThat(perNode.getOrDefault(node.id, 0L))
          .as("share of %s", node.id)
          .isGreaterThanOrEqualTo(count / 10);
    }
    System.out.println("[multinode] 10k: lateness " + Stats.of(journal.lateness(n -> true)));
    assertThat(tableCount()).isZero();
  }

  @Test
  void killedNode_itsTimersFireOnTheOthersAfterTheLease_noneLostNoneTwice() throws Exception {
    List<Node> three = startNodes(Map.of(), "node-a", "node-b", "node-c");
    int count = 3_000;
    Instant base = Instant.now().plusSeconds(4);
    Map<String, Instant> due = insertUniform("k", count, base, Duration.ofSeconds(20));

    // Mid-run, kill the node that holds the most live leases.
    sleepUntil(base.plusSeconds(6));
    Map<String, Long> held = liveLeasesPerOwner();
    String victimId =
        held.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow().getKey();
    Node victim = three.stream().filter(n -> n.id.equals(victimId)).findFirst().orElseThrow();
    long killedAt = System.currentTimeMillis();
    victim.process.destroyForcibly();
    assertThat(victim.process.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
    // Rows still owned by the dead node: claimed, not completed (its process is gone).
    Set<String> claimedAtKill = idsOwnedBy(victimId);
    System.out.printf(
        "[multinode] kill: live leases per node before the kill %s; killed %s holding %d timers%n",
        held, victimId, claimedAtKill.size());
    assertThat(claimedAtKill).as("timers the killed node held").isNotEmpty();

    List<Node> survivors = three.stream().filter(n -> n != victim).toList();
    awaitAllFired(due.keySet(), three, base.plusSeconds(20).plusSeconds(90));
    stopAll(survivors);

    Journal journal = Journal.read(three);
    assertThat(journal.ended())
        .as("timers fired")
        .containsExactlyInAnyOrderElementsOf(due.keySet());
    // A run of the dead node was interrupted if it started without an end, or if it ended but
    // its completion never committed (the row was still there after the kill).
    Set<String> interrupted = new HashSet<>(journal.startedWithoutEnd(victimId));
    for (String id : journal.endedBy(victimId)) {
      if (claimedAtKill.contains(id)) {
        interrupted.add(id);
      }
    }
    Set<String> twice = journal.firedMoreThanOnce();
    System.out.printf(
        "[multinode] kill: %d runs of the dead node interrupted; %d timers ran twice %s%n",
        interrupted.size(), twice.size(), twice);
    assertThat(twice)
        .as("timers run twice other than the interrupted ones")
        .isSubsetOf(interrupted);
    for (String id : twice) {
      assertThat(journal.nodesThatEnded(id).stream().filter(n -> !n.equals(victimId)))
          .as("survivors completing %s", id)
          .hasSize(1);
    }

    long takeover = journal.firstStartOf(claimedAtKill, survivorIds(survivors)) - killedAt;
    long lastTaken = journal.lastStartOf(claimedAtKill, survivorIds(survivors)) - killedAt;
    System.out.printf(
        "[multinode] kill: takeover %d ms after kill -9 (first fire elsewhere of a timer the dead"
            + " node held; lease %d ms + poll %d ms); last of its %d timers fired %d ms after%n",
        takeover, LEASE.toMillis(), POLL.toMillis(), claimedAtKill.size(), lastTaken);
    assertThat(takeover).as("takeover time (ms)").isLessThan(LEASE.plus(POLL).toMillis() + 15_000);
    assertThat(journal.lateness(id -> !claimedAtKill.contains(id)))
        .as("lateness of timers not affected by the kill")
        .isNotEmpty();
    System.out.println(
        "[multinode] kill: lateness of the other timers "
            + Stats.of(journal.lateness(id -> !claimedAtKill.contains(id))));
  }

  @Test
  void pausedNode_resumedAfterTakeover_neitherFiresNorCompletesWhatItLost() throws Exception {
    // The pause must fall before the first timer is due: 10 s of head start leaves room for both
    // nodes to claim all 200 on a loaded machine, and the claim window covers the whole spread.
    Map<String, String> settings = Map.of("pt.claimAhead", "20000", "pt.claimBatch", "500");
    List<Node> two = startNodes(settings, "node-a", "node-b");
    int count = 200;
    Instant base = Instant.now().plusSeconds(10);
    Map<String, Instant> due = insertUniform("p", count, base, Duration.ofSeconds(10));

    // Both nodes see the same claim window; wait until every timer is claimed, then pause the
    // node holding the most. Its armed timers come due during the pause.
    await("all timers claimed", Duration.ofSeconds(60), () -> ownedCount() == count);
    Map<String, Long> held = liveLeasesPerOwner();
    String victimId =
        held.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow().getKey();
    Node victim = two.stream().filter(n -> n.id.equals(victimId)).findFirst().orElseThrow();
    Node survivor = two.stream().filter(n -> n != victim).findFirst().orElseThrow();
    long stoppedAt = System.currentTimeMillis();
    victim.signal("STOP");
    Set<String> victimTimers = idsOwnedBy(victimId);
    System.out.printf(
        "[multinode] pause: leases %s; paused %s holding %d timers, the first due %d ms later%n",
        held,
        victimId,
        victimTimers.size(),
        victimTimers.stream().mapToLong(id -> due.get(id).toEpochMilli()).min().orElse(0)
            - stoppedAt);
    assertThat(victimTimers).isNotEmpty();

    // Past the lease: the survivor takes over and fires some of them.
    await(
        "survivor fires a timer of the paused node",
        Duration.ofSeconds(60),
        () -> {
          Journal j = Journal.read(List.of(survivor));
          return j.endedBy(survivor.id).stream().anyMatch(victimTimers::contains);
        });
    sleepUntil(Instant.ofEpochMilli(stoppedAt).plus(LEASE).plusSeconds(2));
    // Fencing in the database: what is still there was taken over (new owner, new epoch).
    Map<String, Lease> rows = leaseRows(victimTimers);
    long contAt = System.currentTimeMillis();
    victim.signal("CONT");
    System.out.printf(
        "[multinode] pause: resumed %s after %d ms; %d of its timers still stored (taken over,"
            + " not yet due)%n",
        victimId, contAt - stoppedAt, rows.size());
    assertThat(rows).as("taken-over timers still stored when the paused node resumes").isNotEmpty();
    rows.forEach(
        (id, lease) -> {
          assertThat(lease.owner()).as("owner of %s", id).isEqualTo(survivor.id);
          assertThat(lease.epoch()).as("lease_epoch of %s", id).isGreaterThanOrEqualTo(1L);
        });

    awaitAllFired(due.keySet(), two, base.plusSeconds(10).plusSeconds(90));
    // The resumed node holds nothing any more (lost leases disarmed, stale wake-ups verified and
    // dropped): whatever it would have done with the taken-over timers, it has done.
    await("the resumed node is idle", Duration.ofSeconds(60), victim::isIdle);
    stopAll(two);

    Journal journal = Journal.read(two);
    assertThat(journal.ended()).containsExactlyInAnyOrderElementsOf(due.keySet());
    assertThat(journal.firedMoreThanOnce()).as("timers run twice").isEmpty();
    Set<String> resumedStarts = new HashSet<>(journal.startedBy(victimId, stoppedAt));
    resumedStarts.retainAll(victimTimers);
    assertThat(resumedStarts).as("timers the paused node started after its pause").isEmpty();
    for (String id : victimTimers) {
      assertThat(journal.nodesThatEnded(id)).as("who fired %s", id).containsExactly(survivor.id);
    }
    long takeover = journal.firstStartOf(victimTimers, Set.of(survivor.id)) - stoppedAt;
    System.out.printf(
        "[multinode] pause: takeover %d ms after SIGSTOP (lease %d ms, poll %d ms); the paused"
            + " node fired %d timers in total, none of the %d it lost%n",
        takeover,
        LEASE.toMillis(),
        POLL.toMillis(),
        journal.endedBy(victimId).size(),
        victimTimers.size());
  }

  @Test
  void nodeWithClockFiveSecondsAhead_neverTakesLiveLeases() throws Exception {
    Map<String, String> settings = Map.of("pt.claimBatch", "20");
    Node normal = startNode(settings, "node-normal", 0);
    Node skewed = startNode(settings, "node-skewed", 5_000);
    awaitReady(List.of(normal, skewed));
    List<Node> two = List.of(normal, skewed);

    // Waves that both nodes see at once (due within either claim window): they split them, so
    // the normal node holds live leases on timers the skewed node's claims keep looking at.
    Map<String, Instant> due = new LinkedHashMap<>();
    java.util.concurrent.atomic.AtomicLong maxEpochSeen =
        new java.util.concurrent.atomic.AtomicLong();
    for (int wave = 0; wave < 20; wave++) {
      Instant waveDue = Instant.now().plusMillis(1_500);
      due.putAll(insertUniform("s" + wave + "-", 60, waveDue, Duration.ofMillis(500)));
      for (int i = 0; i < 4; i++) {
        maxEpochSeen.accumulateAndGet(maxLeaseEpoch(), Math::max);
        Thread.sleep(250); // paces the waves (the workload), sampling epochs meanwhile
      }
    }
    Instant deadline = Instant.now().plusSeconds(90);
    await(
        "every wave drained",
        Duration.ofSeconds(90),
        () -> {
          maxEpochSeen.accumulateAndGet(maxLeaseEpoch(), Math::max);
          return tableCount() == 0;
        });
    awaitAllFired(due.keySet(), two, deadline);
    stopAll(two);

    Journal journal = Journal.read(two);
    assertThat(journal.ended()).containsExactlyInAnyOrderElementsOf(due.keySet());
    assertThat(journal.firedMoreThanOnce()).as("timers fired twice").isEmpty();
    assertThat(journal.takenOver()).as("fires of a taken-over version").isEmpty();
    assertThat(maxEpochSeen.get()).as("highest lease_epoch seen while running").isZero();
    Map<String, Long> perNode = journal.endsPerNode();
    System.out.println("[multinode] skew: fires per node " + perNode);
    assertThat(perNode.getOrDefault(normal.id, 0L))
        .as("timers the normal node held (and the skewed one could have stolen)")
        .isGreaterThanOrEqualTo(due.size() / 20);
    assertThat(perNode.getOrDefault(skewed.id, 0L)).isGreaterThan(0);
    System.out.println(
        "[multinode] skew: lateness by the real clock, normal node "
            + Stats.of(journal.latenessOn(normal.id))
            + "; skewed node (+5 s) "
            + Stats.of(journal.latenessOn(skewed.id)));
  }

  @Test
  void slowCallbacksOnAShortLease_threeHundredDueAtOnce_eachStartsExactlyOnce() throws Exception {
    // No fault at all: two nodes of 4 workers, callbacks of 500 ms, a lease of 2 s, 300 timers
    // due together (about 19 s of work for the 8 workers, many leases long).
    Map<String, String> settings =
        Map.of("pt.lease", "2000", "pt.workers", "4", "pt.callbackMillis", "500");
    List<Node> two = startNodes(settings, "node-a", "node-b");
    int count = 300;
    Instant at = Instant.now().plusSeconds(1);
    Map<String, Instant> due = insertUniform("o", count, at, Duration.ZERO);

    awaitAllFired(due.keySet(), two, at.plusSeconds(150));
    stopAll(two);

    Journal journal = Journal.read(two);
    Set<String> twice = journal.startedMoreThanOnce();
    System.out.printf(
        "[multinode] slow: %d timers started more than once %s; fires per node %s; %d runs of a"
            + " taken-over version; lateness %s%n",
        twice.size(),
        twice.stream().limit(10).toList(),
        journal.endsPerNode(),
        journal.takenOver().size(),
        Stats.of(journal.lateness(id -> true)));
    assertThat(journal.ended())
        .as("timers fired")
        .containsExactlyInAnyOrderElementsOf(due.keySet());
    assertThat(twice).as("timers started more than once (no fault happened)").isEmpty();
    assertThat(journal.duplicateEnds()).as("timers whose callback completed twice").isEmpty();
  }

  // --- nodes -------------------------------------------------------------------------------

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
    command.add(NodeMain.class.getName());
    command.add(schema);
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
              + " max(lease_until), max(lease_epoch), max(version), now() FROM "
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
      batch.add(new Write.Insert(record(id).callbackType(NodeMain.TYPE).due(at).build()));
      if (batch.size() == 1_000 || i == count - 1) {
        assertThat(store.writeAll(batch)).containsOnly(true);
        batch.clear();
      }
    }
    return due;
  }

  private String table() {
    return PostgresStore.quoteIdentifier(schema) + ".persistent_timers";
  }

  private long tableCount() {
    return Long.parseLong(PgTestSupport.queryString("SELECT count(*) FROM " + table()));
  }

  private long ownedCount() {
    return Long.parseLong(
        PgTestSupport.queryString("SELECT count(*) FROM " + table() + " WHERE owner IS NOT NULL"));
  }

  private long maxLeaseEpoch() {
    return Long.parseLong(
        PgTestSupport.queryString("SELECT coalesce(max(lease_epoch), 0) FROM " + table()));
  }

  private Map<String, Long> liveLeasesPerOwner() {
    Map<String, Long> result = new TreeMap<>();
    query(
        "SELECT owner, count(*) FROM "
            + table()
            + " WHERE owner IS NOT NULL AND lease_until > now() GROUP BY owner",
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

  private static void await(String what, Duration timeout, BooleanSupplier condition)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        fail("Timed out after " + timeout + " waiting for: " + what);
      }
      Thread.sleep(250);
    }
  }

  private static void sleepUntil(Instant instant) throws InterruptedException {
    long millis = Duration.between(Instant.now(), instant).toMillis();
    if (millis > 0) {
      Thread.sleep(millis);
    }
  }
}
