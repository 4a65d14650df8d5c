package io.persistenttimers.schedule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Random day-of-month and day-of-week fields against a small model of cronie's parser ({@code
 * get_list}/{@code get_range}/{@code get_number} in {@code src/entry.c}, the Sunday folding and the
 * DOM_STAR/DOW_STAR rule), with the documented differences: {@code MON}...{@code SAT} to the name
 * {@code SUN} ends on 7, and a range end outside the field's values is refused even when the step
 * skips it. Each seed prints in the test name.
 */
class CronDialectRandomizedTest {
  private static final String[] NAMES = {"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"};
  private static final LocalDate START = LocalDate.of(2026, 5, 2);
  private static final int FIRES = 12;

  static Stream<Long> seeds() {
    long base = System.nanoTime();
    return LongStream.range(0, 300).mapToObj(i -> base + i);
  }

  @ParameterizedTest(name = "seed {0}")
  @MethodSource("seeds")
  void randomDayFields_fireAsCronieReadsThem(long seed) {
    Random random = new Random(seed);
    String dayOfMonth = field(random, false);
    String dayOfWeek = field(random, true);
    String expression = "0 9 " + dayOfMonth + " * " + dayOfWeek;
    BitSet doms = parse(dayOfMonth, 1, 31, false);
    BitSet dows = parse(dayOfWeek, 0, 7, true);

    if (doms == null || dows == null) {
      assertThatThrownBy(() -> Schedule.cron(expression, ZoneOffset.UTC))
          .as("seed %d: %s", seed, expression)
          .isInstanceOf(IllegalArgumentException.class);
      return;
    }
    if (dows.get(0) || dows.get(7)) {
      dows.set(0);
      dows.set(7);
    }
    boolean both = dayOfMonth.startsWith("*") || dayOfWeek.startsWith("*");
    List<Instant> expected = new ArrayList<>();
    for (LocalDate day = START.plusDays(1); expected.size() < FIRES; day = day.plusDays(1)) {
      boolean dom = doms.get(day.getDayOfMonth());
      boolean dow =
          dows.get(day.getDayOfWeek() == DayOfWeek.SUNDAY ? 0 : day.getDayOfWeek().getValue());
      if (both ? dom && dow : dom || dow) {
        expected.add(day.atTime(LocalTime.of(9, 0)).toInstant(ZoneOffset.UTC));
      }
    }

    Schedule cron = Schedule.cron(expression, ZoneOffset.UTC);
    List<Instant> fired = new ArrayList<>();
    Instant at = START.atTime(12, 0).toInstant(ZoneOffset.UTC);
    for (int i = 0; i < FIRES; i++) {
      at = cron.next(at).orElseThrow();
      fired.add(at);
    }
    assertThat(fired).as("seed %d: %s", seed, expression).containsExactlyElementsOf(expected);
  }

  /** A random list of ranges; day-of-month values stay within 1-28 so every set fires. */
  private static String field(Random random, boolean week) {
    if (random.nextInt(4) == 0) {
      return "*";
    }
    List<String> elements = new ArrayList<>();
    int count = 1 + random.nextInt(3);
    for (int i = 0; i < count; i++) {
      String step = random.nextInt(3) == 0 ? "/" + (1 + random.nextInt(week ? 4 : 10)) : "";
      switch (random.nextInt(3)) {
        case 0 -> elements.add("*" + step);
        case 1 -> elements.add(value(random, week));
        default -> elements.add(value(random, week) + "-" + value(random, week) + step);
      }
    }
    return String.join(",", elements);
  }

  private static String value(Random random, boolean week) {
    if (!week) {
      return Integer.toString(1 + random.nextInt(28));
    }
    int day = random.nextInt(week && random.nextInt(10) == 0 ? 9 : 8); // sometimes 8: invalid
    if (day <= 6 && random.nextBoolean()) {
      String name = NAMES[day];
      return random.nextBoolean() ? name : name.toLowerCase(Locale.ROOT);
    }
    return Integer.toString(day);
  }

  /** cronie's get_list for one field, or null where cronie (or the addition) refuses it. */
  private static BitSet parse(String field, int low, int high, boolean week) {
    BitSet bits = new BitSet();
    for (String element : field.split(",")) {
      String range = element.contains("/") ? element.substring(0, element.indexOf('/')) : element;
      int step =
          element.contains("/") ? Integer.parseInt(element.substring(range.length() + 1)) : 1;
      int from;
      int to;
      if (range.equals("*")) {
        from = low;
        to = high;
      } else if (range.contains("-")) {
        String end = range.substring(range.indexOf('-') + 1);
        from = number(range.substring(0, range.indexOf('-')));
        to = number(end);
        if (week && end.equalsIgnoreCase("SUN") && from >= 1 && from <= 6) {
          to = 7; // the documented addition
        }
        // cronie checks only the values a step reaches (it takes 1-8/3 as 1,4,7); cron-utils and
        // so this library refuse a range end outside the field's values.
        if (from > to || to > high) {
          return null;
        }
      } else {
        from = number(range);
        to = from;
      }
      for (int i = from; i <= to; i += step) {
        if (i < low || i > high) {
          return null;
        }
        bits.set(i);
      }
    }
    return bits;
  }

  private static int number(String text) {
    for (int i = 0; i < NAMES.length; i++) {
      if (NAMES[i].equalsIgnoreCase(text)) {
        return i;
      }
    }
    return Integer.parseInt(text);
  }
}
