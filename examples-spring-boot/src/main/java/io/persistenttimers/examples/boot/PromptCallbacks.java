package io.persistenttimers.examples.boot;

import io.persistenttimers.TimerContext;
import io.persistenttimers.spring.OnTimer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * The callbacks, as bean methods: found by the starter and registered under their stable type
 * names. Each counts the prompt on the participant's row; a real host would send a message. The log
 * lines carry timerId, callbackType and attempt in the MDC.
 */
@Component
public class PromptCallbacks {
  private static final Logger log = LoggerFactory.getLogger(PromptCallbacks.class);

  private final JdbcTemplate jdbc;

  PromptCallbacks(JdbcTemplate jdbc) {
    this.jdbc = jdbc;
  }

  /** The reminder's params, bound from the timer's JSON. */
  public record Reminder(String text) {}

  @OnTimer("scheduled_prompt")
  void dailyPrompt(TimerContext ctx) {
    count(ctx);
    log.info("Daily prompt sent");
  }

  @OnTimer("reminder")
  void reminder(TimerContext ctx, Reminder reminder) {
    count(ctx);
    log.info("Reminder sent ({} characters)", reminder.text().length());
  }

  private void count(TimerContext ctx) {
    jdbc.update(
        "UPDATE participant SET prompts_sent = prompts_sent + 1 WHERE id = ?", ctx.participantId());
  }
}
