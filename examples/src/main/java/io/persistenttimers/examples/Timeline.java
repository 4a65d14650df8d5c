package io.persistenttimers.examples;

import io.persistenttimers.TimerContext;
import io.persistenttimers.TimerListener;
import io.persistenttimers.TimerQuery;
import io.persistenttimers.TimerRecord;
import io.persistenttimers.TimerStatus;
import io.persistenttimers.spi.Store;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Prints the demo's timeline — every timer scheduled, recovered, fired, dropped or failed, with
 * simulated and wall time, participant and callback type — and counts what happened.
 *
 * <p>The closing summary tells the restart story: how many timers were in the store when this run
 * started, how many of those fired in this run, how many wait now and when the next is due.
 * Counting is done by the {@link TimerListener}: {@code scheduled} counts stored schedule calls (a
 * replacement of a business-key timer counts again), {@code fired} callbacks that returned
 * normally. A timer that was stored at start is <b>lost</b> when, at the end of the run, it neither
 * fired, nor was dropped by its policy (expired, overdue with SKIP/DROP), nor is still in the
 * store. A timer cancelled from outside while the demo runs (the operator CLI) would count as lost
 * too: the demo cannot tell.
 */
final class Timeline implements TimerListener {

  private static final Logger log =
      LoggerFactory.getLogger("io.persistenttimers.examples.timeline");
  private static final DateTimeFormatter WALL =
      DateTimeFormatter.ofPattern("HH:mm:ss.SSS").withZone(ZoneId.systemDefault());
  private static final DateTimeFormatter SIM =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss'Z'").withZone(java.time.ZoneOffset.UTC);
  private static final DateTimeFormatter LOCAL =
      DateTimeFormatter.ofPattern("EEE HH:mm", java.util.Locale.ENGLISH);

  private final SimulatedClock clock;
  private final AtomicInteger scheduled = new AtomicInteger();
  private final AtomicInteger fired = new AtomicInteger();
  private final AtomicInteger failed = new AtomicInteger();
  private final Set<String> recovered = ConcurrentHashMap.newKeySet();
  private final Set<String> storedAtStart = ConcurrentHashMap.newKeySet();
  private final Set<String> firedIds = ConcurrentHashMap.newKeySet();
  private final Set<String> droppedIds = ConcurrentHashMap.newKeySet();

  Timeline(SimulatedClock clock) {
    this.clock = clock;
  }

  static void info(String message, Object... args) {
    log.info(message, args);
  }

  @Override
  public void onScheduled(TimerRecord timer) {
    scheduled.incrementAndGet();
    line("SCHEDULED", timer, "due " + when(timer.participantId(), timer.nextFireAt()));
  }

  @Override
  public void onRecovered(TimerRecord timer, boolean overdue) {
    recovered.add(timer.id());
    line(
        "RECOVERED",
        timer,
        (overdue ? "OVERDUE, was due " : "due ") + when(timer.participantId(), timer.nextFireAt()));
  }

  @Override
  public void onFired(TimerRecord timer, Duration lateness) {
    fired.incrementAndGet();
    firedIds.add(timer.id());
    line(
        "FIRED",
        timer,
        "was due " + when(timer.participantId(), timer.nextFireAt()) + ", late " + human(lateness));
  }

  @Override
  public void onFailed(TimerRecord timer, Throwable error, Instant retryAt) {
    failed.incrementAndGet();
    line("FAILED", timer, error.getClass().getSimpleName() + "; retry at " + SIM.format(retryAt));
  }

  @Override
  public void onDead(TimerRecord timer, Throwable error) {
    line("GAVE UP", timer, error.getClass().getSimpleName());
  }

  @Override
  public void onDropped(TimerRecord timer, String reason) {
    droppedIds.add(timer.id());
    line("DROPPED", timer, reason);
  }

  @Override
  public void onQuarantined(TimerRecord timer, String reason) {
    line("QUARANTINED", timer, reason);
  }

  @Override
  public void onUnknownCallbackType(TimerRecord timer) {
    line("WAITING", timer, "no factory registered for " + timer.callbackType());
  }

  /** What a callback did, on the same timeline. */
  void action(TimerContext ctx, String what) {
    log.info("{}             -> {}: {}", prefix(), ctx.participantId(), what);
  }

  /**
   * Remembers the timers stored when the run starts, before the engine recovers any: the demo's
   * store holds a few dozen, so their ids are read once.
   */
  int rememberStoredAtStart(Store store) {
    store.list(io.persistenttimers.TimerQuery.all()).forEach(r -> storedAtStart.add(r.id()));
    return storedAtStart.size();
  }

  /**
   * The closing line, e.g. {@code Summary: 3 timers in the store at start, 3 of them fired in this
   * run; 9 fires in all, 6 timers scheduled; 0 dropped, 0 lost; 6 waiting, the next due ...}.
   */
  String summary(Store store) {
    int lost = 0;
    int firedFromStart = 0;
    for (String id : storedAtStart) {
      boolean firedNow = firedIds.contains(id);
      if (firedNow) {
        firedFromStart++;
      }
      if (!firedNow && !droppedIds.contains(id) && store.get(id).isEmpty()) {
        lost++;
        log.info(
            "LOST: timer {} was stored at start and neither fired, nor was dropped, nor is stored",
            id);
      }
    }
    long waiting = store.count(TimerQuery.all().status(TimerStatus.ACTIVE));
    String next =
        store.list(TimerQuery.all().status(TimerStatus.ACTIVE).limit(1)).stream()
            .findFirst()
            .map(
                r ->
                    ", the next due "
                        + when(r.participantId(), r.nextFireAt())
                        + " for "
                        + r.participantId())
            .orElse("");
    return String.format(
        "Summary: %d timers in the store at start, %d of them fired in this run; %d fires in all,"
            + " %d timers scheduled; %d dropped, %d lost (%d failed attempts); %d waiting%s",
        storedAtStart.size(),
        firedFromStart,
        fired.get(),
        scheduled.get(),
        droppedIds.size(),
        lost,
        failed.get(),
        waiting,
        next);
  }

  private void line(String event, TimerRecord timer, String detail) {
    log.info(
        "{} {} {} {} | {}",
        prefix(),
        String.format("%-11s", event),
        String.format("%-18s", timer.callbackType()),
        String.format("%-17s", timer.participantId()),
        detail);
  }

  private String prefix() {
    Instant wall = Instant.now();
    return "wall " + WALL.format(wall) + " | sim " + SIM.format(clock.instantAt(wall)) + " |";
  }

  /** A due time in simulated UTC and in the participant's own zone. */
  static String when(String participantId, Instant at) {
    ZoneId zone = DemoFlow.ZONES.get(participantId);
    String sim = SIM.format(at);
    return zone == null ? sim : sim + " (" + LOCAL.format(at.atZone(zone)) + " " + zone + ")";
  }

  private static String human(Duration d) {
    if (d.isNegative() || d.isZero()) {
      return "0s";
    }
    return d.truncatedTo(java.time.temporal.ChronoUnit.SECONDS)
            .toString()
            .substring(2)
            .toLowerCase()
        + " simulated";
  }
}
