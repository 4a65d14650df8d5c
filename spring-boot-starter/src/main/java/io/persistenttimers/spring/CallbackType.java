package io.persistenttimers.spring;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The stable callback type a {@link io.persistenttimers.CallbackFactory} bean is registered under;
 * on the bean's class or on its {@code @Bean} method. Every {@code CallbackFactory} bean needs one.
 *
 * <pre>{@code
 * @Bean
 * @CallbackType("reminder")
 * CallbackFactory reminder(Sms sms) {
 *   return record -> ctx -> sms.send(ctx.participantId());
 * }
 * }</pre>
 */
@Target({ElementType.TYPE, ElementType.METHOD})
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface CallbackType {
  /**
   * The callback type, as timers are scheduled under it ({@code TimerSpec.of(type, ..)}).
   *
   * @return the type name
   */
  String value();
}
