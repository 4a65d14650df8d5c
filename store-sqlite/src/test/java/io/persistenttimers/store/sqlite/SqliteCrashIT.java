package io.persistenttimers.store.sqlite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.persistenttimers.store.sqlite.CrashJournal.Run;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hosts in real child JVMs ({@link CrashChild}) are killed with SIGKILL at random moments — while
 * scheduling, inside callbacks, at any time after start — and a new JVM takes over the same SQLite
 * file each time. The journal the callbacks force to disk is the independent witness.
 *
 * <p>After every cycle and at the end: no acknowledged one-shot timer is lost (it is still stored
 * or has a completed run), nothing is stored in a status other than ACTIVE, and no occurrence
 * starts twice within one JVM. At the end, after a last child ran unkilled: every acknowledged
 * one-shot ran to completion and is deleted, every callback cut short by a kill ran again in a
 * later JVM, and the recurring timers (intervals, and crons in four zones) fired across generations
 * on their own grid, never going back to an earlier occurrence.
 *
 * <p>{@code -Dtimers.crash.cycles=N} (default 20) scales the number of kills for a soak; {@code
 * -Dtimers.crash.seed=S} replays a run's choices of kill moments and timers (the seed is printed;
 * thread timing still varies).
 */
class SqliteCrashIT {

  private static final int CYCLES = Integer.getInteger("timers.crash.cycles", 20);
  private static final int ONE_SHOTS_PER_CHILD = 10;
  private static final int RECURRING = 2 + CrashChild.ZONES.size();

  private enum KillMode {
    WHILE_SCHEDULING,
    IN_CALLBACK,
    AT_RANDOM,
    AFTER_RECURRING_RUN
  }

  private record Ack(String id, String kind, Long dueMillis) {
    static Ack parse(String line) {
      String[] f = line.split(" ");
      return new Ack(f[1], f[2], f[3].equals("-") ? null : Long.valueOf(f[3]));
    }

    boolean once() {
      return kind.equals("once");
    }
  }

  private record Occurrence(String id, long dueMillis) {}

  private record Row(String id, String kind, String status) {}

  @TempDir Path dir;

  @Test
  void killedHosts_loseNoAcknowledgedTimer_andRunInterruptedCallbacksAgain() throws Exception {
    long seed = Long.getLong("timers.crash.seed", System.nanoTime());
    try {
      run(seed);
    } catch (Throwable failure) {
      // Keep the evidence (database, journal, child logs) beyond the temporary directory.
      Path evidence = Path.of("target", "sqlite-crash-" + seed).toAbsolutePath();
      Files.createDirectories(evidence);
      try (var files = Files.list(dir)) {
        for (Path file : files.toList()) {
          Files.copy(
              file, evidence.resolve(file.getFileName()), StandardCopyOption.REPLACE_EXISTING);
        }
      }
      failure.addSuppressed(new AssertionError("evidence kept in " + evidence));
      throw failure;
    }
  }

  private void run(long seed) throws Exception {
    System.out.printf(
        "SqliteCrashIT: seed=%d cycles=%d (replay with -Dtimers.crash.seed=%d)%n",
        seed, CYCLES, seed);
    Random random = new Random(seed);
    Path db = dir.resolve("timers.db");
    Path journal = dir.resolve("journal.txt");
    Map<String, Ack> acked = new LinkedHashMap<>();
    Map<KillMode, Integer> kills = new EnumMap<>(KillMode.class);
    int killedInsideCallback = 0;
    long started = System.nanoTime();

    for (int generation = 1; generation <= CYCLES; generation++) {
      // Every fifth JVM lives until the 1 s recurring timer completed a run in it; the others
      // die at a random one of the first three kinds of moment.
      KillMode mode =
          generation % 5 == 0 ? KillMode.AFTER_RECURRING_RUN : KillMode.values()[random.nextInt(3)];
      try (ChildJvm child =
          startChild(db, journal, generation, ONE_SHOTS_PER_CHILD, random.nextLong())) {
        int gen = generation;
        switch (mode) {
          case WHILE_SCHEDULING -> {
            // Kill right after the k-th acknowledgement, while the next schedule calls commit.
            int k = 1 + random.nextInt(RECURRING + ONE_SHOTS_PER_CHILD - 1);
            child.awaitLine(
                line -> child.count(l -> l.startsWith("ack ")) >= k, Duration.ofSeconds(30));
          }
          case IN_CALLBACK -> {
            // Kill as soon as the k-th callback of this JVM has journaled its start (each works
            // 50–200 ms before it journals its end).
            int k = 1 + random.nextInt(3);
            child.awaitLine("ready"::equals, Duration.ofSeconds(30));
            await("callback starts in generation " + gen)
                .atMost(Duration.ofSeconds(20))
                .pollInterval(Duration.ofMillis(2))
                .until(() -> startsIn(journal, gen) >= k || !child.process().isAlive());
          }
          case AFTER_RECURRING_RUN -> {
            // The recurring timer keeps firing after a restart; then the kill lands at the next
            // callback start, often its own next run.
            child.awaitLine("ready"::equals, Duration.ofSeconds(30));
            await("every-short completes a run in generation " + gen)
                .atMost(Duration.ofSeconds(15))
                .pollInterval(Duration.ofMillis(2))
                .until(() -> recurringEndsIn(journal, gen) > 0 || !child.process().isAlive());
            int before = startsIn(journal, gen);
            await("another callback starts in generation " + gen)
                .atMost(Duration.ofSeconds(15))
                .pollInterval(Duration.ofMillis(2))
                .until(() -> startsIn(journal, gen) > before || !child.process().isAlive());
          }
          case AT_RANDOM -> {
            // Any moment from JVM start on: recovery, scheduling, firing, completing.
            boolean exited =
                child.process().waitFor(300 + random.nextInt(2200), TimeUnit.MILLISECONDS);
            assertThat(exited).as("child exited by itself: %s", child.describe("")).isFalse();
          }
        }
        child.assertAlive();
        child.kill();
        kills.merge(mode, 1, Integer::sum);
        child.lines().stream()
            .filter(l -> l.startsWith("ack "))
            .map(Ack::parse)
            .forEach(a -> acked.put(a.id(), a));
      }
      List<Run> runs = CrashJournal.read(journal);
      if (!interruptedIn(runs, generation).isEmpty()) {
        killedInsideCallback++;
      }
      // Every other kill, check the file before the next JVM opens it; the others hand the
      // killed JVM's write-ahead log to the next child untouched.
      if (generation % 2 == 1) {
        assertInvariants(db, runs, acked, "after kill " + generation + " (" + mode + ")");
      }
    }

    // A last child runs unkilled until every one-shot fired and was deleted.
    int last = CYCLES + 1;
    try (ChildJvm child = startChild(db, journal, last, 0, random.nextLong())) {
      child.awaitLine("scheduled"::equals, Duration.ofSeconds(30));
      child.lines().stream()
          .filter(l -> l.startsWith("ack "))
          .map(Ack::parse)
          .forEach(a -> acked.put(a.id(), a));
      try {
        await("every one-shot fired and deleted, interrupted runs repeated, recurring firing")
            .atMost(Duration.ofSeconds(40))
            .pollInterval(Duration.ofMillis(100))
            .until(
                () ->
                    unsettled(db, CrashJournal.read(journal), acked, last).isEmpty()
                        || !child.process().isAlive());
      } catch (ConditionTimeoutException e) {
        throw new AssertionError(
            "not settled: "
                + unsettled(db, CrashJournal.read(journal), acked, last)
                + "\n"
                + child.describe("running"),
            e);
      }
      child.assertAlive();
      child.send("stop");
      assertThat(child.awaitExit(Duration.ofSeconds(20))).as(child.describe("exit code")).isZero();
      assertThat(child.lines()).contains("closed");
    }

    List<Run> runs = CrashJournal.read(journal);
    assertInvariants(db, runs, acked, "at the end");
    List<Row> rows = rows(db);
    assertThat(rows)
        .as("only the recurring timers remain")
        .allMatch(r -> r.kind().equals("RECURRING"));
    assertThat(rows).hasSize(RECURRING);

    Map<Occurrence, List<Run>> occurrences = occurrences(runs);
    List<String> notRepeated = new ArrayList<>();
    int refiredAfterInterruption = 0;
    int refiredAfterCompletion = 0;
    for (Map.Entry<Occurrence, List<Run>> e : occurrences.entrySet()) {
      List<Run> list = e.getValue();
      assertThat(list.stream().anyMatch(Run::isEnd))
          .as("%s completed at last", e.getKey())
          .isTrue();
      List<Integer> startGens = list.stream().filter(Run::isStart).map(Run::generation).toList();
      for (int i = 0; i < startGens.size(); i++) {
        int gen = startGens.get(i);
        boolean ended = list.stream().anyMatch(r -> r.isEnd() && r.generation() == gen);
        if (!ended && i == startGens.size() - 1) {
          notRepeated.add(e.getKey() + " interrupted in generation " + gen);
        }
        if (i > 0) {
          int previous = startGens.get(i - 1);
          if (list.stream().anyMatch(r -> r.isEnd() && r.generation() == previous)) {
            refiredAfterCompletion++; // killed between the journal's "end" and the delete/advance
          } else {
            refiredAfterInterruption++;
          }
        }
      }
    }
    assertThat(notRepeated).as("callbacks cut short by a kill run again later").isEmpty();

    // One-shots scheduled at a zoned wall-clock moment ran with exactly that due time.
    for (Run run : runs) {
      Ack ack = acked.get(run.id());
      if (ack != null && ack.dueMillis() != null) {
        assertThat(run.dueAt().toEpochMilli()).as("due time of %s", run).isEqualTo(ack.dueMillis());
      }
    }
    Set<String> onceIds =
        acked.values().stream().filter(Ack::once).map(Ack::id).collect(Collectors.toSet());
    Set<String> completedOnce =
        runs.stream()
            .filter(Run::isEnd)
            .map(Run::id)
            .filter(onceIds::contains)
            .collect(Collectors.toSet());
    assertThat(completedOnce).as("every acknowledged one-shot completed").isEqualTo(onceIds);

    // Recurring: on their grid, never back to an earlier occurrence, firing across generations.
    Map<String, TreeSet<Integer>> recurringGenerations = new HashMap<>();
    for (String id : recurringIds()) {
      List<Run> own = runs.stream().filter(r -> r.id().equals(id)).toList();
      long previousDue = Long.MIN_VALUE;
      for (Run run : own) {
        long due = run.dueAt().toEpochMilli();
        assertThat(due)
            .as("%s never goes back to an earlier occurrence: %s", id, run)
            .isGreaterThanOrEqualTo(previousDue);
        previousDue = due;
        if (id.startsWith("cron:")) {
          ZonedDateTime local = run.dueAt().atZone(ZoneId.of(id.substring("cron:".length())));
          assertThat(local.getSecond() == 0 && local.getNano() == 0)
              .as("%s on a whole minute in its zone: %s", id, local)
              .isTrue();
        } else {
          long period =
              (id.equals("every-short") ? CrashChild.EVERY_SHORT : CrashChild.EVERY_LONG)
                  .toMillis();
          assertThat(Math.floorMod(due - own.get(0).dueAt().toEpochMilli(), period))
              .as("%s on its grid: %s", id, run)
              .isZero();
        }
      }
      recurringGenerations.put(
          id,
          own.stream()
              .filter(Run::isEnd)
              .map(Run::generation)
              .collect(Collectors.toCollection(TreeSet::new)));
    }
    List<Integer> longLived = new ArrayList<>();
    for (int gen = 5; gen <= CYCLES; gen += 5) {
      longLived.add(gen);
    }
    longLived.add(last);
    assertThat(recurringGenerations.get("every-short"))
        .as("every-short completed runs in generations")
        .containsAll(longLived);
    assertThat(recurringGenerations.get("every-long"))
        .as("every-long completed runs in generations")
        .contains(last);

    long onceRuns = runs.stream().filter(r -> r.isStart() && onceIds.contains(r.id())).count();
    System.out.printf(
        "SqliteCrashIT: seed=%d cycles=%d kills=%s killsInsideCallback=%d acknowledged"
            + " one-shots=%d recurring=%d runs(start lines)=%d one-shot runs=%d occurrences=%d"
            + " lost=0 re-fired=%d (after interruption %d, after completion before delete %d)"
            + " every-short generations=%d every-long generations=%d elapsed=%ds%n",
        seed,
        CYCLES,
        kills,
        killedInsideCallback,
        onceIds.size(),
        RECURRING,
        runs.stream().filter(Run::isStart).count(),
        onceRuns,
        occurrences.size(),
        refiredAfterInterruption + refiredAfterCompletion,
        refiredAfterInterruption,
        refiredAfterCompletion,
        recurringGenerations.get("every-short").size(),
        recurringGenerations.get("every-long").size(),
        TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started));
  }

  private ChildJvm startChild(Path db, Path journal, int generation, int oneShots, long seed)
      throws Exception {
    return ChildJvm.start(
        CrashChild.class,
        dir.resolve("child-" + generation + ".log"),
        List.of(),
        db.toString(),
        journal.toString(),
        String.valueOf(generation),
        String.valueOf(oneShots),
        String.valueOf(seed));
  }

  /** Holds between any two JVMs: nothing promised is lost, nothing is failed, no double start. */
  private static void assertInvariants(Path db, List<Run> runs, Map<String, Ack> acked, String when)
      throws Exception {
    List<Row> rows = rows(db);
    assertThat(rows)
        .as("every stored timer is ACTIVE %s", when)
        .allMatch(r -> r.status().equals("ACTIVE"));
    Set<String> stored = rows.stream().map(Row::id).collect(Collectors.toSet());
    Set<String> completed =
        runs.stream().filter(Run::isEnd).map(Run::id).collect(Collectors.toSet());
    List<String> lost =
        acked.values().stream()
            .filter(Ack::once)
            .map(Ack::id)
            .filter(id -> !stored.contains(id) && !completed.contains(id))
            .toList();
    assertThat(lost).as("acknowledged one-shots neither stored nor completed %s", when).isEmpty();
    assertThat(stored)
        .as("recurring timers are never deleted %s", when)
        .containsAll(acked.values().stream().filter(a -> !a.once()).map(Ack::id).toList());

    List<String> doubleStarts = new ArrayList<>();
    occurrences(runs)
        .forEach(
            (occurrence, list) -> {
              Map<Integer, Long> startsPerGeneration =
                  list.stream()
                      .filter(Run::isStart)
                      .collect(Collectors.groupingBy(Run::generation, Collectors.counting()));
              startsPerGeneration.forEach(
                  (gen, n) -> {
                    if (n > 1) {
                      doubleStarts.add(
                          occurrence + " started " + n + " times in generation " + gen);
                    }
                  });
            });
    assertThat(doubleStarts).as("no occurrence starts twice within one JVM %s", when).isEmpty();
  }

  /**
   * What keeps the last child from being done; empty when every one-shot completed and is deleted.
   */
  private static List<String> unsettled(Path db, List<Run> runs, Map<String, Ack> acked, int last)
      throws Exception {
    List<String> pending = new ArrayList<>();
    Set<String> completed =
        runs.stream().filter(Run::isEnd).map(Run::id).collect(Collectors.toSet());
    acked.values().stream()
        .filter(a -> a.once() && !completed.contains(a.id()))
        .forEach(a -> pending.add("one-shot " + a.id() + " not completed"));
    occurrences(runs)
        .forEach(
            (occurrence, list) -> {
              if (list.stream().noneMatch(Run::isEnd)) {
                pending.add(occurrence + " never completed: " + list);
              }
            });
    for (String id : List.of("every-short", "every-long")) {
      if (runs.stream().noneMatch(r -> r.isEnd() && r.generation() == last && r.id().equals(id))) {
        pending.add(id + " has not fired in the last child");
      }
    }
    rows(db).stream()
        .filter(r -> r.kind().equals("ONCE"))
        .forEach(r -> pending.add("still stored: " + r));
    return pending;
  }

  private static long recurringEndsIn(Path journal, int generation) throws Exception {
    return CrashJournal.read(journal).stream()
        .filter(r -> r.isEnd() && r.generation() == generation && r.id().equals("every-short"))
        .count();
  }

  private static int startsIn(Path journal, int generation) throws Exception {
    return (int)
        CrashJournal.read(journal).stream()
            .filter(r -> r.isStart() && r.generation() == generation)
            .count();
  }

  /** Occurrences started in {@code generation} that did not end there. */
  private static List<Occurrence> interruptedIn(List<Run> runs, int generation) {
    return occurrences(runs).entrySet().stream()
        .filter(
            e -> e.getValue().stream().anyMatch(r -> r.isStart() && r.generation() == generation))
        .filter(
            e -> e.getValue().stream().noneMatch(r -> r.isEnd() && r.generation() == generation))
        .map(Map.Entry::getKey)
        .toList();
  }

  private static Map<Occurrence, List<Run>> occurrences(List<Run> runs) {
    Map<Occurrence, List<Run>> byOccurrence = new LinkedHashMap<>();
    for (Run run : runs) {
      byOccurrence
          .computeIfAbsent(
              new Occurrence(run.id(), run.dueAt().toEpochMilli()), o -> new ArrayList<>())
          .add(run);
    }
    return byOccurrence;
  }

  private static List<String> recurringIds() {
    List<String> ids = new ArrayList<>(List.of("every-short", "every-long"));
    CrashChild.ZONES.forEach(zone -> ids.add("cron:" + zone));
    return ids;
  }

  /** The stored rows, read with a plain connection (no store, no migration). */
  private static List<Row> rows(Path db) throws Exception {
    List<Row> rows = new ArrayList<>();
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
        Statement s = c.createStatement()) {
      s.execute("PRAGMA busy_timeout = 10000");
      try (ResultSet rs =
          s.executeQuery("SELECT 1 FROM sqlite_master WHERE name = 'persistent_timers'")) {
        if (!rs.next()) {
          return rows; // the first child was killed before its store had migrated the file
        }
      }
      try (ResultSet rs = s.executeQuery("SELECT id, timer_type, status FROM persistent_timers")) {
        while (rs.next()) {
          rows.add(new Row(rs.getString(1), rs.getString(2), rs.getString(3)));
        }
      }
    }
    return rows;
  }
}
