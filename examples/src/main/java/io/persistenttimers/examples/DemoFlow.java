package io.persistenttimers.examples;

import io.persistenttimers.CallbackFactory;
import io.persistenttimers.IfExists;
import io.persistenttimers.PersistentTimer;
import io.persistenttimers.TimerContext;
import io.persistenttimers.TimerSpec;
import java.time.Duration;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * The seed's flow, reduced to its timers. Each participant gets a daily prompt at a local time of
 * their own; a prompt starts a feedback conversation:
 *
 * <pre>
 * scheduled_prompt (daily, local time)
 *   ├─ feedback_initial   +15 min   "how did it go?"
 *   │    └─ feedback_followup  +15 min   "still there?"
 *   │         ├─ state_transition  +1 min    participant moves to END_OF_DAY
 *   │         └─ auto_feedback     +10 min   no reply: record automatic feedback
 *   └─ reminder           +5 h      reminder if the prompt went unanswered
 * </pre>
 *
 * <p>Follow-ups use business-key ids ({@code feedback_initial:<participant>}) with {@link
 * IfExists#REPLACE}: a participant has at most one timer of each kind, the next prompt restarts the
 * conversation, and a callback that runs twice (delivery is at-least-once) schedules the same
 * timers again rather than duplicates.
 */
final class DemoFlow {

  static final String FLOW_TYPE = "micro_health_intervention";

  static final String SCHEDULED_PROMPT = "scheduled_prompt";
  static final String FEEDBACK_INITIAL = "feedback_initial";
  static final String FEEDBACK_FOLLOWUP = "feedback_followup";
  static final String REMINDER = "reminder";
  static final String STATE_TRANSITION = "state_transition";
  static final String AUTO_FEEDBACK = "auto_feedback";

  static final Duration FEEDBACK_INITIAL_AFTER = Duration.ofMinutes(15);
  static final Duration FEEDBACK_FOLLOWUP_AFTER = Duration.ofMinutes(15);
  static final Duration STATE_TRANSITION_AFTER = Duration.ofMinutes(1);
  static final Duration AUTO_FEEDBACK_AFTER = Duration.ofMinutes(10);
  static final Duration REMINDER_AFTER = Duration.ofHours(5);

  /** A participant of the demo, with the zone their daily prompt follows. */
  record Participant(String id, ZoneId zone, String habit) {}

  static final List<Participant> PARTICIPANTS =
      List.of(
          new Participant("participant-ana", ZoneId.of("America/Sao_Paulo"), "a short walk"),
          new Participant("participant-ravi", ZoneId.of("Asia/Kolkata"), "drinking water"),
          new Participant("participant-mia", ZoneId.of("Europe/Berlin"), "stretching"));

  static final Map<String, ZoneId> ZONES =
      PARTICIPANTS.stream()
          .collect(Collectors.toUnmodifiableMap(Participant::id, Participant::zone));

  /** Params of the demo's timers. */
  record Prompt(String habit) {}

  record Transition(String to) {}

  private final Supplier<PersistentTimer> timer;
  private final Timeline timeline;

  DemoFlow(Supplier<PersistentTimer> timer, Timeline timeline) {
    this.timer = timer;
    this.timeline = timeline;
  }

  /** Registers one factory per callback type. */
  PersistentTimer.Builder register(PersistentTimer.Builder builder) {
    return builder
        .register(SCHEDULED_PROMPT, CallbackFactory.of(this::prompt))
        .register(FEEDBACK_INITIAL, CallbackFactory.of(this::feedbackInitial))
        .register(FEEDBACK_FOLLOWUP, CallbackFactory.of(this::feedbackFollowup))
        .register(REMINDER, CallbackFactory.of(this::reminder))
        .register(STATE_TRANSITION, CallbackFactory.of(this::stateTransition))
        .register(AUTO_FEEDBACK, CallbackFactory.of(this::autoFeedback));
  }

  /** The spec of a participant's daily prompt: one per participant, idempotent by its id. */
  static TimerSpec dailyPromptSpec(Participant p) {
    return TimerSpec.of(SCHEDULED_PROMPT, p.id())
        .flowType(FLOW_TYPE)
        .id(SCHEDULED_PROMPT + ":" + p.id())
        .paramsOf(new Prompt(p.habit()))
        .ifExists(IfExists.KEEP);
  }

  private void prompt(TimerContext ctx) {
    Prompt prompt = ctx.params(Prompt.class);
    timeline.action(ctx, "sends the daily prompt about " + prompt.habit());
    followUp(ctx, FEEDBACK_INITIAL, FEEDBACK_INITIAL_AFTER, "{}");
    followUp(ctx, REMINDER, REMINDER_AFTER, "{}");
  }

  private void feedbackInitial(TimerContext ctx) {
    timeline.action(ctx, "asks how it went");
    followUp(ctx, FEEDBACK_FOLLOWUP, FEEDBACK_FOLLOWUP_AFTER, "{}");
  }

  private void feedbackFollowup(TimerContext ctx) {
    timeline.action(ctx, "follows up: no answer yet");
    followUp(ctx, STATE_TRANSITION, STATE_TRANSITION_AFTER, "{\"to\":\"END_OF_DAY\"}");
    followUp(ctx, AUTO_FEEDBACK, AUTO_FEEDBACK_AFTER, "{}");
  }

  private void stateTransition(TimerContext ctx) {
    Transition t = ctx.params(Transition.class);
    timeline.action(ctx, "moves the participant to state " + t.to());
  }

  private void reminder(TimerContext ctx) {
    timeline.action(ctx, "sends a reminder: the prompt went unanswered");
  }

  private void autoFeedback(TimerContext ctx) {
    timeline.action(ctx, "records automatic feedback (no reply)");
  }

  private void followUp(TimerContext ctx, String callbackType, Duration after, String params) {
    timer
        .get()
        .scheduleAfter(
            after,
            TimerSpec.of(callbackType, ctx.participantId())
                .flowType(FLOW_TYPE)
                .id(callbackType + ":" + ctx.participantId())
                .params(params)
                .state("FEEDBACK", ctx.timerId())
                .ifExists(IfExists.REPLACE));
  }
}
