package io.persistenttimers.spring.e2e;

import io.persistenttimers.TimerContext;
import io.persistenttimers.TimerSpec;
import io.persistenttimers.spring.OnTimer;
import io.persistenttimers.spring.PersistentTimerCustomizer;
import io.persistenttimers.spring.TimerScheduler;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** A small host: a REST call enrolls a participant and schedules its welcome in one transaction. */
@SpringBootApplication
public class EnrollmentApp {

  /** Callbacks that ran, as "participant@generation" (which application run fired it). */
  static final List<String> fired = new CopyOnWriteArrayList<>();

  /** Which application run this is; set by the test before each start. */
  static volatile int generation;

  /** How far the application's clock is ahead of the wall clock; a restart "an hour later". */
  static volatile Duration clockShift = Duration.ZERO;

  @Bean
  PersistentTimerCustomizer shiftedClock() {
    return builder -> builder.clock(() -> Instant.now().plus(clockShift));
  }

  record Welcome(String text) {}

  @Service
  static class Enrollment {
    private final JdbcTemplate jdbc;
    private final TimerScheduler timers;

    Enrollment(JdbcTemplate jdbc, TimerScheduler timers) {
      this.jdbc = jdbc;
      this.timers = timers;
    }

    @Transactional
    public String enroll(String participant, long delaySeconds) {
      jdbc.update("INSERT INTO participant (id) VALUES (?)", participant);
      return timers
          .scheduleAfter(
              Duration.ofSeconds(delaySeconds),
              TimerSpec.of("welcome", participant).params("{\"text\":\"welcome\"}"))
          .id();
    }

    @OnTimer("welcome")
    void welcome(TimerContext ctx, Welcome welcome) {
      fired.add(ctx.participantId() + "@" + generation);
    }
  }

  @RestController
  static class Api {
    private final Enrollment enrollment;

    Api(Enrollment enrollment) {
      this.enrollment = enrollment;
    }

    @PostMapping("/enroll")
    String enroll(
        @RequestParam("participant") String participant,
        @RequestParam("delaySeconds") long delaySeconds) {
      return enrollment.enroll(participant, delaySeconds);
    }
  }
}
