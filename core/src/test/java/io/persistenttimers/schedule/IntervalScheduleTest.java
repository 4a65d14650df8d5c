package io.persistenttimers.schedule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class IntervalScheduleTest {
  private static final Instant ANCHOR = Instant.parse("2026-05-04T10:00:00Z");

  @Test
  void next_beforeAnchor_isFirstPeriodAfterAnchor() {
    Schedule every = Schedule.every(Duration.ofMinutes(15), ANCHOR);

    assertThat(every.next(ANCHOR.minusSeconds(3600))).hasValue(ANCHOR.plusSeconds(900));
    assertThat(every.next(ANCHOR)).hasValue(ANCHOR.plusSeconds(900));
  }

  @Test
  void next_isStrictlyAfterAndAnchored() {
    Schedule every = Schedule.every(Duration.ofMinutes(15), ANCHOR);

    assertThat(every.next(ANCHOR.plusSeconds(900))).hasValue(ANCHOR.plusSeconds(1800));
    assertThat(every.next(ANCHOR.plusSeconds(901))).hasValue(ANCHOR.plusSeconds(1800));
    assertThat(every.next(ANCHOR.plusSeconds(1799))).hasValue(ANCHOR.plusSeconds(1800));
  }

  @Test
  void slowCallback_doesNotShiftLaterOccurrences() {
    Schedule every = Schedule.every(Duration.ofHours(1), ANCHOR);

    // A run that finished 20 minutes late still leaves the next one on the anchor grid.
    assertThat(every.next(ANCHOR.plusSeconds(3600 + 1200))).hasValue(ANCHOR.plusSeconds(7200));
  }

  @Test
  void next_withoutAnchor_isAnIllegalState() {
    assertThatThrownBy(() -> Schedule.every(Duration.ofMinutes(5)).next(ANCHOR))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("no anchor yet");
  }

  @Test
  void zone_isUtc() {
    assertThat(Schedule.every(Duration.ofMinutes(5)).zone()).isEqualTo(ZoneOffset.UTC);
  }

  @Test
  void badPeriods_areRefusedNamingField() {
    assertThatThrownBy(() -> Schedule.every(null)).hasMessage("period must not be null");
    assertThatThrownBy(() -> Schedule.every(Duration.ofMillis(999)))
        .hasMessageStartingWith("period must be at least");
    assertThatThrownBy(() -> Schedule.every(Duration.ofDays(4000)))
        .hasMessageStartingWith("period must be at most");
  }
}
