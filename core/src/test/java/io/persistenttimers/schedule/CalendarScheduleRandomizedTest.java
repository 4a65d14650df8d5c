package io.persistenttimers.schedule;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.temporal.ChronoUnit;
import java.time.zone.ZoneOffsetTransition;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * Random calendar schedules and instants, checked against a brute-force oracle that walks real
 * instants minute by minute and decides from the zone rules alone whether each one fires.
 */
class CalendarScheduleRandomizedTest {
  private static final List<ZoneId> ZONES =
      List.of(
          ZoneId.of("UTC"),
          ZoneId.of("America/New_York"),
          ZoneId.of("Europe/Berlin"),
          ZoneId.of("Asia/Kolkata"),
          ZoneId.of("America/St_Johns"),
          ZoneId.of("America/Sao_Paulo"),
          ZoneId.of("Australia/Lord_Howe"), // 30-minute DST shifts
          ZoneId.of("Pacific/Chatham"), // +12:45 / +13:45
          ZoneId.of("Pacific/Apia")); // skipped all of 2011-12-30

  /** Zones that still change offset every year, so a transition always lies ahead. */
  private static final List<ZoneId> DST_ZONES =
      List.of(
          ZoneId.of("America/New_York"),
          ZoneId.of("Europe/Berlin"),
          ZoneId.of("America/St_Johns"),
          ZoneId.of("Australia/Lord_Howe"),
          ZoneId.of("Pacific/Chatham"));

  private static final int CASES = 300;
  private static final Duration WINDOW = Duration.ofDays(1);

  @Test
  void next_isTheFirstFiringStrictlyAfter_forRandomSchedulesAndInstants() {
    long seed = Long.getLong("schedule.seed", System.nanoTime());
    System.out.println(
        "CalendarScheduleRandomizedTest seed: " + seed + " (-Dschedule.seed=" + seed + ")");
    Random random = new Random(seed);

    int gapEnds = 0;
    int overlaps = 0;
    for (int i = 0; i < CASES; i++) {
      boolean nearTransition = random.nextBoolean();
      List<ZoneId> zones = nearTransition ? DST_ZONES : ZONES;
      ZoneId zone = zones.get(random.nextInt(zones.size()));
      CalendarSchedule schedule = randomSchedule(random, zone, nearTransition);
      Instant after = randomInstant(random, zone, nearTransition);
      String context = "seed " + seed + ", case " + i + ": " + schedule + " after " + after;

      Instant next = schedule.next(after).orElseThrow();

      assertThat(next).as(context).isAfter(after);
      if (isGapEnd(zone, next)) {
        gapEnds++;
      } else if (zone.getRules().getValidOffsets(LocalDateTime.ofInstant(next, zone)).size() == 2) {
        overlaps++;
      }
      assertThat(fires(schedule, next)).as(context + " -> " + next + " must be a firing").isTrue();
      Instant end = next.isBefore(after.plus(WINDOW)) ? next : after.plus(WINDOW);
      for (Instant t = after.truncatedTo(ChronoUnit.MINUTES).plusSeconds(60);
          t.isBefore(end);
          t = t.plusSeconds(60)) {
        assertThat(fires(schedule, t))
            .as(context + " -> " + next + " skipped a firing at " + t)
            .isFalse();
      }
    }
    System.out.println(
        "CalendarScheduleRandomizedTest: of "
            + CASES
            + " results "
            + gapEnds
            + " were gap ends and "
            + overlaps
            + " inside an overlap");
    // Without these the test would silently stop covering what it is for.
    assertThat(gapEnds).as("gap ends reached, seed " + seed).isPositive();
    assertThat(overlaps).as("overlaps reached, seed " + seed).isPositive();
  }

  /**
   * Whether the schedule fires at instant {@code t}: its wall time matches and is the earlier of
   * two, or a gap ends at {@code t} and a matching wall time lies inside that gap.
   */
  private static boolean fires(CalendarSchedule s, Instant t) {
    ZoneId zone = s.zone();
    LocalDateTime local = LocalDateTime.ofInstant(t, zone);
    if (local.getSecond() != 0 || local.getNano() != 0) {
      return false;
    }
    boolean earlierPass = local.atZone(zone).withEarlierOffsetAtOverlap().toInstant().equals(t);
    if (earlierPass && matches(s, local)) {
      return true;
    }
    if (isGapEnd(zone, t)) {
      ZoneOffsetTransition transition = zone.getRules().previousTransition(t.plusNanos(1));
      for (LocalDateTime l = transition.getDateTimeBefore();
          l.isBefore(transition.getDateTimeAfter());
          l = l.plusMinutes(1)) {
        if (matches(s, l)) {
          return true;
        }
      }
    }
    return false;
  }

  private static boolean isGapEnd(ZoneId zone, Instant t) {
    ZoneOffsetTransition transition = zone.getRules().previousTransition(t.plusNanos(1));
    return transition != null && transition.getInstant().equals(t) && transition.isGap();
  }

  private static boolean matches(CalendarSchedule s, LocalDateTime l) {
    return in(s.minutes(), l.getMinute())
        && in(s.hours(), l.getHour())
        && in(s.daysOfMonth(), l.getDayOfMonth())
        && in(s.months(), l.getMonthValue())
        && (s.daysOfWeek().isEmpty() || s.daysOfWeek().contains(l.getDayOfWeek()));
  }

  private static boolean in(Set<Integer> set, int value) {
    return set.isEmpty() || set.contains(value);
  }

  /**
   * Mostly frequent schedules, so the oracle window usually reaches the answer; near a transition
   * any date matches, so that the transition's wall times are actually candidates.
   */
  private static CalendarSchedule randomSchedule(Random random, ZoneId zone, boolean dense) {
    while (true) {
      try {
        return new CalendarSchedule(
            zone,
            randomSet(random, 0, 59, 0.2, 4),
            randomSet(random, 0, 23, dense ? 0.8 : 0.6, 3),
            dense ? Set.of() : randomSet(random, 1, 31, 0.75, 3),
            dense ? Set.of() : randomSet(random, 1, 12, 0.8, 3),
            dense ? Set.of() : randomDays(random));
      } catch (IllegalArgumentException neverFires) {
        // February 30 and the like; draw again.
      }
    }
  }

  private static Set<Integer> randomSet(
      Random random, int min, int max, double anyChance, int maxSize) {
    Set<Integer> set = new TreeSet<>();
    if (random.nextDouble() >= anyChance) {
      int size = 1 + random.nextInt(maxSize);
      for (int i = 0; i < size; i++) {
        set.add(min + random.nextInt(max - min + 1));
      }
    }
    return set;
  }

  private static Set<DayOfWeek> randomDays(Random random) {
    Set<DayOfWeek> days = new TreeSet<>();
    if (random.nextDouble() >= 0.7) {
      int size = 1 + random.nextInt(4);
      for (int i = 0; i < size; i++) {
        days.add(DayOfWeek.of(1 + random.nextInt(7)));
      }
    }
    return days;
  }

  /** Uniform over 2005..2035, or in the 70 minutes before a transition of the zone. */
  private static Instant randomInstant(Random random, ZoneId zone, boolean nearTransition) {
    Instant base =
        Instant.parse("2005-01-01T00:00:00Z")
            .plusSeconds((long) (random.nextDouble() * 30 * 365 * 86400));
    ZoneOffsetTransition transition = zone.getRules().nextTransition(base);
    if (nearTransition
        && transition != null
        && transition.getInstant().isBefore(Instant.parse("2040-01-01T00:00:00Z"))) {
      base = transition.getInstant().minusSeconds(70 * 60).plusSeconds(random.nextInt(75 * 60));
    }
    // Sometimes exactly on a minute, sometimes inside one.
    return random.nextBoolean()
        ? base.truncatedTo(ChronoUnit.MINUTES)
        : base.plusNanos(random.nextInt(1_000_000_000));
  }
}
