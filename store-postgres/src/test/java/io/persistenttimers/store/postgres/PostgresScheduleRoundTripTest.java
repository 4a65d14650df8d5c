package io.persistenttimers.store.postgres;

import static io.persistenttimers.testkit.Records.T0;
import static io.persistenttimers.testkit.Records.record;
import static org.assertj.core.api.Assertions.assertThat;

import io.persistenttimers.TimerRecord;
import io.persistenttimers.schedule.Schedule;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.LocalTime;
import java.time.ZoneId;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** Every schedule form survives jsonb (which reorders keys) and comes back equal. */
class PostgresScheduleRoundTripTest {
  private static final String SCHEMA = PgTestSupport.newSchemaName("sched");

  @AfterAll
  static void drop() {
    PgTestSupport.dropSchema(SCHEMA);
  }

  @Test
  void calendarCronAndIntervalSchedules_roundTripThroughJsonb() {
    try (PostgresStore store =
        PostgresStore.builder(PgTestSupport.URL).schema(SCHEMA).poolSize(2).build()) {
      Schedule[] schedules = {
        Schedule.daily(LocalTime.of(9, 0), ZoneId.of("Europe/Berlin")),
        Schedule.weekdays(LocalTime.of(7, 30), ZoneId.of("America/New_York")),
        Schedule.calendar(ZoneId.of("Asia/Kolkata"))
            .hours(8, 20)
            .minutes(15)
            .daysOfWeek(DayOfWeek.SUNDAY)
            .build(),
        Schedule.cron("*/15 9-17 * * 1-5", ZoneId.of("Pacific/Chatham")),
        Schedule.every(Duration.ofMinutes(90), T0.minusMillis(1)),
      };
      for (int i = 0; i < schedules.length; i++) {
        TimerRecord r =
            record("recurring-" + i).recurring(schedules[i]).due(T0.plusSeconds(i)).build();
        assertThat(store.insert(r)).isTrue();
        assertThat(store.get(r.id())).contains(r);
      }
      assertThat(store.list()).hasSize(schedules.length);
    }
  }
}
