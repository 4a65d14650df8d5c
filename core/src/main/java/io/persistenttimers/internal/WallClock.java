package io.persistenttimers.internal;

import static io.persistenttimers.internal.Checks.requireNonNull;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.time.zone.ZoneOffsetTransition;
import java.time.zone.ZoneRules;
import java.util.List;
import java.util.function.UnaryOperator;

/** Maps wall-clock occurrences to instants with the library's DST rules. */
public final class WallClock {
  /**
   * An occurrence inside the second pass of an overlap maps to an instant not after {@code after}
   * and is skipped one local minute at a time at worst; the longest overlaps on record are about a
   * day, far below this.
   */
  static final int MAX_SKIPPED_OCCURRENCES = 100_000;

  private WallClock() {}

  /**
   * The shared wall-clock rule of calendar and cron schedules: the first occurrence strictly after
   * {@code after}, where {@code nextLocal} gives the next matching local minute strictly after a
   * local date-time (a pure local timeline, no zone involved).
   *
   * <p>A local time in a gap maps to the instant the gap ends, so all wall times inside one gap
   * fire once, together. A local time in an overlap maps to the earlier instant; its second pass
   * maps to an instant not after {@code after} and is skipped, so it never fires twice.
   */
  public static Instant next(ZoneId zone, Instant after, UnaryOperator<LocalDateTime> nextLocal) {
    requireNonNull(after, "after");
    ZoneRules rules = zone.getRules();
    LocalDateTime cursor = LocalDateTime.ofInstant(after, zone).truncatedTo(ChronoUnit.MINUTES);
    for (int i = 0; i < MAX_SKIPPED_OCCURRENCES; i++) {
      LocalDateTime local = nextLocal.apply(cursor);
      Instant at = toInstant(local, rules);
      if (at.isAfter(after)) {
        return at;
      }
      cursor = local;
    }
    throw new IllegalStateException(
        "no occurrence after "
            + after
            + " in "
            + zone
            + " within "
            + MAX_SKIPPED_OCCURRENCES
            + " local occurrences");
  }

  /**
   * The instant of a local date-time: in a gap, the instant the gap ends; in an overlap, the
   * earlier instant.
   */
  public static Instant toInstant(LocalDateTime local, ZoneRules rules) {
    List<ZoneOffset> offsets = rules.getValidOffsets(local);
    if (offsets.size() == 1) {
      return local.toInstant(offsets.get(0));
    }
    ZoneOffsetTransition transition = rules.getTransition(local);
    if (offsets.isEmpty()) {
      // ZonedDateTime.of would shift by the gap length (02:30 -> 03:30); the gap end is wanted.
      return transition.getInstant();
    }
    return local.toInstant(transition.getOffsetBefore());
  }
}
