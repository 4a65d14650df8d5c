package io.persistenttimers.examples.boot;

import io.persistenttimers.TimerSpec;
import io.persistenttimers.schedule.Schedule;
import io.persistenttimers.spring.TimerScheduler;
import java.time.Duration;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.List;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/** Enrolls participants: their row and their timers commit together or not at all. */
@Service
public class Enrollment {
  static final String FLOW = "micro_health_intervention";

  private final JdbcTemplate jdbc;
  private final TimerScheduler timers;
  private final Duration reminderAfter;

  Enrollment(
      JdbcTemplate jdbc,
      TimerScheduler timers,
      @Value("${study.reminder-after:PT1M}") Duration reminderAfter) {
    this.jdbc = jdbc;
    this.timers = timers;
    this.reminderAfter = reminderAfter;
  }

  /** Stores the participant and schedules its prompts; all of it or, on failure, nothing. */
  @Transactional
  public List<String> enroll(String participantId, ZoneId zone) {
    jdbc.update(
        "INSERT INTO participant (id, zone, state, prompts_sent) VALUES (?, ?, 'ENROLLED', 0)",
        participantId,
        zone.getId());
    String daily =
        timers
            .scheduleRecurring(
                Schedule.daily(LocalTime.of(9, 0), zone),
                TimerSpec.of("scheduled_prompt", participantId)
                    .flowType(FLOW)
                    .id("scheduled_prompt:" + participantId))
            .id();
    String reminder =
        timers
            .scheduleAfter(
                reminderAfter,
                TimerSpec.of("reminder", participantId)
                    .flowType(FLOW)
                    .id("reminder:" + participantId)
                    .params("{\"text\":\"How is your first day going?\"}"))
            .id();
    return List.of(daily, reminder);
  }
}
