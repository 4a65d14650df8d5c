package io.persistenttimers.examples.boot;

import io.persistenttimers.PersistentTimer;
import io.persistenttimers.TimerRecord;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import org.springframework.http.HttpStatus;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/** {@code POST /participants} enrolls; {@code GET /participants/{id}} shows the row and timers. */
@RestController
public class ParticipantController {
  private final Enrollment enrollment;
  private final PersistentTimer timer;
  private final JdbcTemplate jdbc;

  ParticipantController(Enrollment enrollment, PersistentTimer timer, JdbcTemplate jdbc) {
    this.enrollment = enrollment;
    this.timer = timer;
    this.jdbc = jdbc;
  }

  /** What a client sends to enroll a participant. */
  public record EnrollRequest(String id, String zone) {}

  @PostMapping("/participants")
  @ResponseStatus(HttpStatus.CREATED)
  Map<String, Object> enroll(@RequestBody EnrollRequest request) {
    List<String> timers = enrollment.enroll(request.id(), ZoneId.of(request.zone()));
    return Map.of("participant", request.id(), "timers", timers);
  }

  @GetMapping("/participants/{id}")
  Map<String, Object> show(@PathVariable("id") String id) {
    Map<String, Object> row =
        jdbc.queryForMap("SELECT id, zone, state, prompts_sent FROM participant WHERE id = ?", id);
    List<Map<String, Object>> timers =
        timer.listByParticipant(id).stream().map(ParticipantController::describe).toList();
    return Map.of("participant", row, "timers", timers);
  }

  private static Map<String, Object> describe(TimerRecord r) {
    return Map.of(
        "id", r.id(),
        "callbackType", r.callbackType(),
        "nextFireAt", r.nextFireAt().toString(),
        "status", r.status().name());
  }
}
