package io.persistenttimers;

import static org.assertj.core.api.Assertions.assertThat;

import io.persistenttimers.schedule.Schedule;
import io.persistenttimers.testkit.FakeStore;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Random schedule / replace / cancel / advance / restart steps against a reference model that
 * states what must have fired and what must be stored; every invariant is checked after every step.
 * The seed is printed; rerun one with {@code -Dtimers.seed=N}.
 */
class ModelBasedTimerTest {
  static final Instant START = Instant.parse("2026-01-01T00:00:00Z");
  static final int STEPS = 1500;

  /**
   * What the model believes about one live timer. A snoozer is a one-shot timer whose callback
   * schedules its own id again, {@code period} after it fired (by cancel + schedule, or by
   * REPLACE): each time a new timer under a reused id.
   */
  private record Expected(String participant, Instant due, Duration period, boolean snoozer) {
    Expected(String participant, Instant due, Duration period) {
      this(participant, due, period, false);
    }

    boolean recurring() {
      return period != null && !snoozer;
    }

    /** The next one after a run at {@code firedAt}, or null when there is none. */
    Expected after(Instant firedAt) {
      if (snoozer) {
        return new Expected(participant, firedAt.plus(period), period, true);
      }
      return recurring() ? new Expected(participant, due.plus(period), period) : null;
    }
  }

  private record Run(String id, Instant due, Instant firedAt) {}

  static Stream<Long> seeds() {
    String fixed = System.getProperty("timers.seed");
    if (fixed != null) {
      return Stream.of(Long.parseLong(fixed));
    }
    long base = System.nanoTime();
    return Stream.of(base, base + 1);
  }

  @ParameterizedTest(name = "seed {0}")
  @MethodSource("seeds")
  void randomSteps_matchTheModel(long seed) {
    System.out.println(
        "ModelBasedTimerTest seed = " + seed + " (rerun with -Dtimers.seed=" + seed + ")");
    Random random = new Random(seed);
    FakeStore store = new FakeStore();
    List<Run> actual = new ArrayList<>();
    Harness[] holder = new Harness[1];
    Harness h =
        new Harness(
            store,
            START,
            b ->
                b.horizon(Duration.ofMinutes(5))
                    .overdueFiresPerSecond(0)
                    .register(
                        "reminder",
                        CallbackFactory.of(
                            ctx -> {
                              actual.add(new Run(ctx.timerId(), ctx.dueAt(), ctx.firedAt()));
                              snoozeAgain(holder[0].timer, ctx);
                            })));
    holder[0] = h;
    h.start();

    Map<String, Expected> model = new TreeMap<>();
    List<Run> expected = new ArrayList<>();
    int callerIds = 0;

    try {
      for (int step = 0; step < STEPS; step++) {
        Instant now = h.clock.instant();
        int action = random.nextInt(100);
        String participant = "p" + random.nextInt(6);
        String what;
        if (action < 30) {
          Duration delay = Duration.ofSeconds(random.nextInt(3 * 3600));
          String id = h.timer.scheduleAfter(delay, TimerSpec.of("reminder", participant)).id();
          model.put(id, new Expected(participant, now.plus(delay), null));
          what = "scheduleAfter " + delay;
        } else if (action < 40) {
          Duration period = Duration.ofMinutes(1 + random.nextInt(90));
          String id =
              h.timer
                  .scheduleRecurring(Schedule.every(period), TimerSpec.of("reminder", participant))
                  .id();
          model.put(id, new Expected(participant, now.plus(period), period));
          what = "scheduleRecurring " + period;
        } else if (action < 47) {
          // A caller id: KEEP leaves an existing timer alone, REPLACE swaps it.
          String id = "key-" + random.nextInt(Math.max(1, callerIds + 1));
          callerIds++;
          boolean replace = random.nextBoolean();
          Duration delay = Duration.ofSeconds(random.nextInt(7200));
          h.timer.scheduleAfter(
              delay,
              TimerSpec.of("reminder", participant)
                  .id(id)
                  .ifExists(replace ? IfExists.REPLACE : IfExists.KEEP));
          if (replace || !model.containsKey(id)) {
            model.put(id, new Expected(participant, now.plus(delay), null));
          }
          what = (replace ? "replace " : "keep ") + id;
        } else if (action < 50) {
          // A snoozer: its callback schedules its own id again after each run.
          Duration snooze = Duration.ofMinutes(1 + random.nextInt(60));
          boolean viaReplace = random.nextBoolean();
          String id = "snooze-" + step;
          h.timer.scheduleAfter(
              snooze,
              TimerSpec.of("reminder", participant)
                  .id(id)
                  .params(
                      "{\"snoozeSeconds\":"
                          + snooze.toSeconds()
                          + ",\"replace\":"
                          + viaReplace
                          + "}"));
          model.put(id, new Expected(participant, now.plus(snooze), snooze, true));
          what = "snoozer " + id + (viaReplace ? " (replace)" : " (cancel + schedule)");
        } else if (action < 53 && !model.isEmpty()) {
          // The same id again right after a cancel: a new timer that nothing of the old may touch.
          String id = pick(random, model);
          Expected old = model.get(id);
          h.timer.cancel(id);
          Duration delay = Duration.ofSeconds(random.nextInt(7200));
          h.timer.scheduleAfter(delay, TimerSpec.of("reminder", old.participant()).id(id));
          model.put(id, new Expected(old.participant(), now.plus(delay), null));
          what = "cancel and schedule again " + id;
        } else if (action < 55 && !model.isEmpty()) {
          // An operator tool deletes through the store, behind the engine's back; sometimes the
          // host then schedules the same id again.
          String id = pick(random, model);
          Expected old = model.remove(id);
          store.delete(id);
          what = "operator deletes " + id;
          if (random.nextBoolean()) {
            Duration delay = Duration.ofSeconds(random.nextInt(7200));
            h.timer.scheduleAfter(delay, TimerSpec.of("reminder", old.participant()).id(id));
            model.put(id, new Expected(old.participant(), now.plus(delay), null));
            what += " and the host schedules it again";
          }
        } else if (action < 58 && !model.isEmpty()) {
          String id = pick(random, model);
          assertThat(h.timer.cancel(id)).as("cancel of a live timer").isTrue();
          model.remove(id);
          what = "cancel " + id;
        } else if (action < 60) {
          int cancelled = h.timer.cancelByParticipant(participant);
          List<String> gone =
              model.entrySet().stream()
                  .filter(e -> e.getValue().participant().equals(participant))
                  .map(Map.Entry::getKey)
                  .toList();
          assertThat(cancelled).isEqualTo(gone.size());
          gone.forEach(model::remove);
          what = "cancelByParticipant " + participant;
        } else if (action < 90) {
          Duration by = Duration.ofSeconds(random.nextInt(1800));
          h.advance(by);
          fireWhileRunning(model, expected, now.plus(by));
          what = "advance " + by;
        } else {
          Duration downtime =
              random.nextInt(3) == 0 ? Duration.ZERO : Duration.ofSeconds(random.nextInt(4 * 3600));
          h.timer.close();
          h.clock.advance(downtime);
          h.restart();
          h.scheduler.runDue();
          fireAfterRestart(model, expected, now.plus(downtime));
          what = "restart after " + downtime;
        }

        String context = "seed " + seed + ", step " + step + " (" + what + ")";
        assertThat(sorted(actual)).as(context + ": runs").isEqualTo(sorted(expected));
        Map<String, Instant> stored =
            store.list().stream()
                .collect(Collectors.toMap(TimerRecord::id, TimerRecord::nextFireAt));
        Map<String, Instant> modelled = new HashMap<>();
        model.forEach((id, e) -> modelled.put(id, e.due()));
        assertThat(stored).as(context + ": stored timers").isEqualTo(modelled);
        assertThat(store.list())
            .as(context + ": statuses")
            .allSatisfy(r -> assertThat(r.status()).isEqualTo(TimerStatus.ACTIVE));
      }
    } finally {
      holder[0].close();
    }
    assertThat(expected).as("the run exercised firing").hasSizeGreaterThan(100);
  }

  /** While the engine runs, every occurrence fires exactly at its due time. */
  private static void fireWhileRunning(
      Map<String, Expected> model, List<Run> expected, Instant until) {
    for (Map.Entry<String, Expected> entry : new ArrayList<>(model.entrySet())) {
      String id = entry.getKey();
      Expected e = entry.getValue();
      while (e != null && !e.due().isAfter(until)) {
        expected.add(new Run(id, e.due(), e.due()));
        e = e.after(e.due());
      }
      if (e == null) {
        model.remove(id);
      } else {
        model.put(id, e);
      }
    }
  }

  /**
   * After downtime everything due fires once at the restart (one-shots: FIRE_NOW; recurring:
   * COALESCE, then the first occurrence after now on the timer's grid).
   */
  private static void fireAfterRestart(
      Map<String, Expected> model, List<Run> expected, Instant restart) {
    for (Map.Entry<String, Expected> entry : new ArrayList<>(model.entrySet())) {
      String id = entry.getKey();
      Expected e = entry.getValue();
      if (e.due().isAfter(restart)) {
        continue;
      }
      expected.add(new Run(id, e.due(), restart));
      if (e.snoozer()) {
        model.put(id, e.after(restart));
        continue;
      }
      if (!e.recurring()) {
        model.remove(id);
        continue;
      }
      Instant next = e.due();
      while (!next.isAfter(restart)) {
        next = next.plus(e.period());
      }
      model.put(id, new Expected(e.participant(), next, e.period()));
    }
  }

  /** A snoozer's callback: its own id again, by cancel + schedule or by REPLACE. */
  @SuppressWarnings("unchecked")
  private static void snoozeAgain(PersistentTimer timer, TimerContext ctx) {
    Map<String, Object> params = ctx.params(Map.class);
    if (!params.containsKey("snoozeSeconds")) {
      return;
    }
    Duration snooze = Duration.ofSeconds(((Number) params.get("snoozeSeconds")).longValue());
    TimerSpec again =
        TimerSpec.of("reminder", ctx.participantId()).id(ctx.timerId()).params(ctx.params());
    if (Boolean.TRUE.equals(params.get("replace"))) {
      timer.scheduleAfter(snooze, again.ifExists(IfExists.REPLACE));
    } else {
      timer.cancel(ctx.timerId());
      timer.scheduleAfter(snooze, again);
    }
  }

  private static String pick(Random random, Map<String, Expected> model) {
    List<String> ids = new ArrayList<>(model.keySet());
    return ids.get(random.nextInt(ids.size()));
  }

  private static List<Run> sorted(List<Run> runs) {
    return runs.stream()
        .sorted(Comparator.comparing(Run::firedAt).thenComparing(Run::id).thenComparing(Run::due))
        .toList();
  }
}
