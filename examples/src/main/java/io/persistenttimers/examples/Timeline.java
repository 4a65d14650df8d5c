package io.persistenttimers.examples;

import io.persistenttimers.TimerContext;
import io.persistenttimers.TimerListener;
import io.persistenttimers.TimerRecord;
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
 * <p>Counting is done by the {@link TimerListener}: {@code scheduled} counts stored schedule calls
 * (a replacement of a business-key timer counts again), {@code recovered} the timers found in the
 * store at start, {@code fired} callbacks that returned normally. A recovered timer is <b>lost</b>
 * when, at the end of the run, it neither fired, nor was dropped by its policy (expired, overdue
 * with SKIP/DROP), nor is still in the store. A timer cancelled from outside while the demo runs
 * (the operator CLI) would count as lost too: the demo cannot tell.
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

  /** The closing line, e.g. {@code 3 scheduled, 3 recovered, 9 fired, 0 dropped, 0 lost}. */
  String summary(Store store) {
    int lost = 0;
    for (String id : recovered) {
      if (!firedIds.contains(id) && !droppedIds.contains(id) && store.get(id).isEmpty()) {
        lost++;
        log.info("LOST: recovered timer {} neither fired, nor was dropped, nor is stored", id);
      }
    }
    long stored = store.count(io.persistenttimers.TimerQuery.all());
    return String.format(
        "Summary: %d scheduled, %d recovered, %d fired, %d dropped, %d lost (%d failed attempts; %d timers stored)",
        scheduled.get(),
        recovered.size(),
        fired.get(),
        droppedIds.size(),
        lost,
        failed.get(),
        stored);
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
