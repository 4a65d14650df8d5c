package io.persistenttimers;

import java.time.Instant;
import java.time.ZoneId;
import java.util.Optional;

// Placeholder signature; the full implementation lands with the schedule work.
public record CronSchedule(String expression, ZoneId zone) implements Schedule {
  static CronSchedule of(String expression, ZoneId zone) {
    return new CronSchedule(expression, zone);
  }

  @Override
  public Optional<Instant> next(Instant after) {
    throw new UnsupportedOperationException();
  }

  @Override
  public String toJson() {
    return ScheduleJson.write(this);
  }
}
