package io.persistenttimers;

import java.time.Instant;
import java.time.ZoneId;
import java.util.Optional;

// Placeholder signature; the full implementation lands with the schedule work.
public record CalendarSchedule(ZoneId zone) implements Schedule {
  static Builder builder(ZoneId zone) {
    return new Builder(zone);
  }

  @Override
  public Optional<Instant> next(Instant after) {
    throw new UnsupportedOperationException();
  }

  @Override
  public String toJson() {
    return ScheduleJson.write(this);
  }

  public static final class Builder {
    private final ZoneId zone;

    Builder(ZoneId zone) {
      this.zone = zone;
    }

    public Builder minutes(int... m) {
      return this;
    }

    public Builder hours(int... h) {
      return this;
    }

    public Builder daysOfMonth(int... d) {
      return this;
    }

    public Builder months(int... m) {
      return this;
    }

    public Builder daysOfWeek(java.time.DayOfWeek... d) {
      return this;
    }

    public CalendarSchedule build() {
      return new CalendarSchedule(zone);
    }
  }
}
