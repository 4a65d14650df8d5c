package io.persistenttimers.spring;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a bean method as the callback of a timer type. The method takes, in any order, at most one
 * {@link io.persistenttimers.TimerContext} and at most one params object, bound from the timer's
 * params JSON with Jackson (the application's Jackson 2 {@code ObjectMapper} bean when there is
 * one). Params that do not bind quarantine the timer. The method runs through the bean's proxy, so
 * {@code @Transactional} on it applies.
 *
 * <pre>{@code
 * record Reminder(String text) {}
 *
 * @OnTimer("reminder")
 * void remind(TimerContext ctx, Reminder reminder) {
 *   sms.send(ctx.participantId(), reminder.text());
 * }
 * }</pre>
 */
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface OnTimer {
  /**
   * The callback type, as timers are scheduled under it ({@code TimerSpec.of(type, ..)}).
   *
   * @return the type name
   */
  String value();
}
