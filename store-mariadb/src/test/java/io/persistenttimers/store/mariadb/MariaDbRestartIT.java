package io.persistenttimers.store.mariadb;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real processes, real kills: a child JVM ({@link MariaDbRestartChild}) schedules timers whose
 * callbacks take 50-200 ms and journal {@code start}/{@code end} with fsync; the test kills it with
 * {@code destroyForcibly} while a callback runs, restarts it, several times, and lets a final child
 * run to completion. The journal is the witness the store cannot fake.
 *
 * <p>Asserted: no acknowledged timer is lost (each has an {@code end}; the table ends empty); a
 * callback cut by a kill runs again in a later process; within one process no timer starts twice (a
 * re-run needs a crash). Seed: {@code -Dpt.restart.seed=N} repeats a run.
 */
class MariaDbRestartIT {
  private static final String DATABASE = MariaDbTestSupport.newDatabase("restart");
  private static final int TIMERS = 60;
  private static final int KILLED_CYCLES = 8;

  @TempDir Path dir;

  @AfterAll
  static void drop() {
    MariaDbTestSupport.dropDatabase(DATABASE);
  }

  private record Line(String event, int cycle, String id) {}

  @Test
  void killedMidCallback_repeatedly_nothingLost_interruptedRunsAgain() throws Exception {
    MariaDbTestSupport.requireServer();
    long seed = Long.getLong("pt.restart.seed", System.nanoTime());
    System.out.println(
        "MariaDbRestartIT seed=" + seed + " (-Dpt.restart.seed=" + seed + " repeats)");
    Random random = new Random(seed);
    Path journal = dir.resolve("journal.txt");
    Files.createFile(journal);

    for (int cycle = 1; cycle <= KILLED_CYCLES; cycle++) {
      Process child = spawn(journal, cycle, cycle == 1 ? "schedule:" + TIMERS : "run", seed);
      int c = cycle;
      int endsBeforeKill = 1 + random.nextInt(4);
      try {
        // Kill once this process finished a few callbacks and is inside another one.
        Poll.until(
            Duration.ofSeconds(30),
            "child " + cycle + " inside a callback after " + endsBeforeKill + " ends",
            () -> {
              List<Line> lines = read(journal);
              boolean scheduled =
                  c > 1 || lines.stream().anyMatch(l -> l.event().equals("scheduled"));
              long ends =
                  lines.stream().filter(l -> l.cycle() == c && l.event().equals("end")).count();
              return scheduled && ends >= endsBeforeKill && !open(lines, c).isEmpty();
            },
            () ->
                "alive="
                    + child.isAlive()
                    + ", journal tail "
                    + tail(journal)
                    + ", child log "
                    + log(c));
      } finally {
        child.destroyForcibly();
        assertThat(child.waitFor(20, TimeUnit.SECONDS)).as("child %s ended", cycle).isTrue();
      }
    }

    int finalCycle = KILLED_CYCLES + 1;
    Process last = spawn(journal, finalCycle, "final", seed);
    boolean ended = last.waitFor(90, TimeUnit.SECONDS);
    if (!ended) {
      last.destroyForcibly();
    }
    assertThat(ended).as("final child finished; log %s", log(finalCycle)).isTrue();
    assertThat(last.exitValue()).as("final child exit; log %s", log(finalCycle)).isZero();

    List<Line> lines = read(journal);
    Set<String> acknowledged = ids(lines, "ack", c -> true);
    Map<String, Integer> starts = new TreeMap<>();
    Map<String, Integer> ends = new TreeMap<>();
    Map<String, Integer> startsInOneCycle = new HashMap<>();
    for (Line l : lines) {
      if (l.event().equals("start")) {
        starts.merge(l.id(), 1, Integer::sum);
        startsInOneCycle.merge(l.cycle() + " " + l.id(), 1, Integer::sum);
      } else if (l.event().equals("end")) {
        ends.merge(l.id(), 1, Integer::sum);
      }
    }
    // Interrupted: started in a killed process without ending there.
    List<String> interrupted = new ArrayList<>();
    List<String> interruptedNotRerun = new ArrayList<>();
    for (int cycle = 1; cycle <= KILLED_CYCLES; cycle++) {
      for (String id : open(lines, cycle)) {
        interrupted.add(cycle + ":" + id);
        int killedIn = cycle;
        boolean rerun =
            lines.stream()
                .anyMatch(
                    l -> l.cycle() > killedIn && l.event().equals("start") && l.id().equals(id));
        if (!rerun) {
          interruptedNotRerun.add(cycle + ":" + id);
        }
      }
    }
    List<String> lost = acknowledged.stream().filter(id -> !ends.containsKey(id)).sorted().toList();
    long refired = starts.values().stream().filter(n -> n > 1).count();
    long endedTwice = ends.values().stream().filter(n -> n > 1).count();
    List<String> twiceInOneProcess =
        startsInOneCycle.entrySet().stream()
            .filter(e -> e.getValue() > 1)
            .map(Map.Entry::getKey)
            .sorted()
            .toList();
    String stored =
        MariaDbTestSupport.queryString(
            "SELECT COUNT(*) FROM "
                + MariaDbStore.quoteIdentifier(DATABASE)
                + "."
                + MariaDbStore.TABLE);

    System.out.printf(
        "MariaDbRestartIT seed=%d: timers acknowledged=%d, processes killed=%d, callbacks interrupted=%d,"
            + " timers re-fired=%d (of which ended twice, killed between callback end and delete=%d),"
            + " lost=%d, left in store=%s%n",
        seed,
        acknowledged.size(),
        KILLED_CYCLES,
        interrupted.size(),
        refired,
        endedTwice,
        lost.size(),
        stored);

    assertThat(acknowledged).hasSize(TIMERS);
    assertThat(lost).as("acknowledged timers without an end (seed %s)", seed).isEmpty();
    assertThat(stored).as("timers left in the store").isEqualTo("0");
    assertThat(interrupted).as("kills that cut a callback (seed %s)", seed).isNotEmpty();
    assertThat(interruptedNotRerun)
        .as("interrupted callbacks never run again (seed %s)", seed)
        .isEmpty();
    assertThat(twiceInOneProcess)
        .as("timers started twice by one process (seed %s)", seed)
        .isEmpty();
    assertThat(ids(lines, "start", c -> true))
        .as("only acknowledged timers run")
        .isSubsetOf(acknowledged);
  }

  private Process spawn(Path journal, int cycle, String mode, long seed) throws IOException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> command =
        List.of(
            java,
            "-Xmx128m",
            "-XX:TieredStopAtLevel=1",
            "-XX:+UseSerialGC",
            "-Duser.timezone=America/Sao_Paulo",
            "-cp",
            System.getProperty("java.class.path"),
            MariaDbRestartChild.class.getName(),
            MariaDbTestSupport.url(DATABASE),
            DATABASE,
            journal.toString(),
            Integer.toString(cycle),
            mode,
            Long.toString(seed));
    File log = dir.resolve("child-" + cycle + ".log").toFile();
    return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log).start();
  }

  /** Complete lines only: a kill can cut the last one short. */
  private static List<Line> read(Path journal) {
    String text;
    try {
      text = Files.readString(journal, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new AssertionError("cannot read the journal " + journal, e);
    }
    int complete = text.lastIndexOf('\n');
    List<Line> lines = new ArrayList<>();
    if (complete < 0) {
      return lines;
    }
    for (String raw : text.substring(0, complete).split("\n")) {
      String[] parts = raw.split(" ");
      if (parts.length == 3) {
        lines.add(new Line(parts[0], Integer.parseInt(parts[1]), parts[2]));
      }
    }
    return lines;
  }

  /** Timers that started in {@code cycle} and have not ended there. */
  private static Set<String> open(List<Line> lines, int cycle) {
    Map<String, Integer> balance = new HashMap<>();
    for (Line l : lines) {
      if (l.cycle() == cycle && l.event().equals("start")) {
        balance.merge(l.id(), 1, Integer::sum);
      } else if (l.cycle() == cycle && l.event().equals("end")) {
        balance.merge(l.id(), -1, Integer::sum);
      }
    }
    Set<String> open = new TreeSet<>();
    balance.forEach(
        (id, n) -> {
          if (n > 0) {
            open.add(id);
          }
        });
    return open;
  }

  private static Set<String> ids(
      List<Line> lines, String event, java.util.function.IntPredicate cycle) {
    Set<String> ids = new HashSet<>();
    for (Line l : lines) {
      if (l.event().equals(event) && cycle.test(l.cycle())) {
        ids.add(l.id());
      }
    }
    return ids;
  }

  private static String tail(Path journal) {
    List<Line> lines = read(journal);
    return lines.subList(Math.max(0, lines.size() - 10), lines.size()).toString();
  }

  private String log(int cycle) {
    try {
      String text = Files.readString(dir.resolve("child-" + cycle + ".log"));
      return text.length() > 3000 ? text.substring(text.length() - 3000) : text;
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }
}
