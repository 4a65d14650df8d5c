package io.persistenttimers.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.persistenttimers.schedule.IntervalSchedule;
import io.persistenttimers.schedule.Schedule;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import org.junit.jupiter.api.Test;

class NewTimersAnchorTest {

  private static final Instant NOW = Instant.parse("2026-03-01T10:00:00Z");

  @Test
  void intervalWithoutAnchor_countsFromTheMomentItIsScheduled() {
    Schedule anchored = NewTimers.anchored(Schedule.every(Duration.ofMinutes(5)), NOW);

    assertThat(((IntervalSchedule) anchored).anchor()).isEqualTo(NOW);
    assertThat(anchored.next(NOW)).hasValue(NOW.plusSeconds(300));
  }

  @Test
  void anchoredInterval_keepsItsAnchor() {
    Schedule given = Schedule.every(Duration.ofMinutes(5), NOW.minusSeconds(42));

    assertThat(NewTimers.anchored(given, NOW)).isSameAs(given);
  }

  @Test
  void calendarSchedule_isUnchanged() {
    Schedule daily = Schedule.daily(LocalTime.of(9, 0), ZoneId.of("Asia/Kolkata"));

    assertThat(NewTimers.anchored(daily, NOW)).isSameAs(daily);
  }
}
