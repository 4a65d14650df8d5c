package io.persistenttimers;

import static org.assertj.core.api.Assertions.assertThat;

import io.persistenttimers.testkit.FakeStore;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;
import org.slf4j.helpers.BasicMDCAdapter;
import org.slf4j.spi.MDCAdapter;

/**
 * The hook around every callback run: interceptors see before/after/failure on the callback's
 * thread in a fixed order with the run's duration by the timer's clock; the library's own MDC
 * carries the timer while the callback runs and is put back afterwards; failure lines follow the
 * configured level and never carry the exception's message.
 */
class CallbackInterceptorTest {
  static final Instant T0 = Instant.parse("2026-03-02T10:00:00Z");
  static final String SECRET = "phone +4915112345678";

  private final List<String> calls = Collections.synchronizedList(new ArrayList<>());

  private CallbackInterceptor recording(String name) {
    return new CallbackInterceptor() {
      @Override
      public void beforeRun(TimerContext context) {
        calls.add(name + " before " + context.timerId() + " attempt " + context.attempt());
      }

      @Override
      public void afterRun(TimerContext context, Duration took) {
        calls.add(name + " after " + context.timerId() + " took " + took);
      }

      @Override
      public void onFailure(TimerContext context, Throwable error, Duration took) {
        calls.add(name + " failure " + context.timerId() + " " + error.getClass().getSimpleName());
      }
    };
  }

  private Harness harness(UnaryOperator<PersistentTimer.Builder> configure) {
    return new Harness(new FakeStore(), T0, configure);
  }

  @Test
  void interceptorsWrapEachRun_inOrderBefore_reverseAfter_withTheRunsDuration() {
    List<String> inCallback = new ArrayList<>();
    Harness[] ref = new Harness[1];
    try (Harness h =
        harness(
            b ->
                b.interceptor(recording("first"))
                    .interceptor(recording("second"))
                    .register(
                        "slow",
                        CallbackFactory.of(
                            ctx -> {
                              inCallback.add("callback " + ctx.timerId());
                              calls.add("callback");
                              ref[0].clock.advance(Duration.ofMillis(1500));
                            }))
                    .register(
                        "broken",
                        CallbackFactory.of(
                            ctx -> {
                              calls.add("callback");
                              throw new IllegalStateException(SECRET);
                            })))) {
      ref[0] = h;
      h.start();
      h.timer.scheduleAfter(Duration.ofSeconds(10), TimerSpec.of("slow", "p-1").id("t-1"));
      h.advance(Duration.ofSeconds(10));

      assertThat(calls)
          .containsExactly(
              "first before t-1 attempt 1",
              "second before t-1 attempt 1",
              "callback",
              "second after t-1 took PT1.5S",
              "first after t-1 took PT1.5S");

      calls.clear();
      h.timer.scheduleAfter(
          Duration.ofSeconds(10),
          TimerSpec.of("broken", "p-1")
              .id("t-2")
              .retryPolicy(
                  RetryPolicy.exponential(2, Duration.ofSeconds(30), Duration.ofSeconds(30))));
      h.advance(Duration.ofSeconds(10));
      h.advance(Duration.ofSeconds(30));

      assertThat(calls)
          .containsExactly(
              "first before t-2 attempt 1",
              "second before t-2 attempt 1",
              "callback",
              "second failure t-2 IllegalStateException",
              "first failure t-2 IllegalStateException",
              "first before t-2 attempt 2",
              "second before t-2 attempt 2",
              "callback",
              "second failure t-2 IllegalStateException",
              "first failure t-2 IllegalStateException");
      assertThat(h.store.get("t-2").orElseThrow().status()).isEqualTo(TimerStatus.FAILED);
    }
  }

  @Test
  void anInterceptorThatThrows_neitherStopsTheCallbackNorChangesItsOutcome() {
    CallbackInterceptor throwing =
        new CallbackInterceptor() {
          @Override
          public void beforeRun(TimerContext context) {
            throw new IllegalStateException("interceptor broke");
          }

          @Override
          public void afterRun(TimerContext context, Duration took) {
            throw new IllegalStateException("interceptor broke");
          }
        };
    try (Harness h =
        harness(
            b ->
                b.interceptor(throwing)
                    .interceptor(recording("after-it"))
                    .register("reminder", record -> ctx -> calls.add("callback")))) {
      h.start();
      h.timer.scheduleAfter(Duration.ofSeconds(5), TimerSpec.of("reminder", "p-1").id("t-1"));
      h.advance(Duration.ofSeconds(5));

      assertThat(calls)
          .containsExactly(
              "after-it before t-1 attempt 1", "callback", "after-it after t-1 took PT0S");
      assertThat(h.store.get("t-1")).isEmpty();
      assertThat(h.events).contains("fired t-1");
    }
  }

  @Test
  void mdcCarriesTheTimerWhileTheCallbackRuns_participantOnlyWhenOptedIn_andIsPutBackAfter() {
    List<Map<String, String>> seen = new ArrayList<>();
    TimerCallback capture =
        ctx -> {
          Map<String, String> mdc = MDC.getCopyOfContextMap();
          seen.add(mdc == null ? Map.of() : new HashMap<>(mdc));
        };
    MDCAdapter before = installBasicMdcAdapter(new BasicMDCAdapter());
    MDC.put("timerId", "the host's own value");
    try {
      try (Harness h = harness(b -> b.register("reminder", record -> capture))) {
        h.start();
        h.timer.scheduleAfter(Duration.ofSeconds(5), TimerSpec.of("reminder", "p-7").id("t-1"));
        h.advance(Duration.ofSeconds(5));
      }
      try (Harness h =
          harness(b -> b.participantIdInMdc(true).register("reminder", record -> capture))) {
        h.start();
        h.timer.scheduleAfter(Duration.ofSeconds(5), TimerSpec.of("reminder", "p-8").id("t-2"));
        h.advance(Duration.ofSeconds(5));
      }

      assertThat(seen.get(0))
          .containsEntry("timerId", "t-1")
          .containsEntry("callbackType", "reminder")
          .containsEntry("attempt", "1")
          .doesNotContainKey("participantId");
      assertThat(seen.get(1)).containsEntry("timerId", "t-2").containsEntry("participantId", "p-8");
      // Put back as it was: the host's value again, nothing of ours left behind.
      assertThat(MDC.get("timerId")).isEqualTo("the host's own value");
      assertThat(MDC.get("callbackType")).isNull();
      assertThat(MDC.get("attempt")).isNull();
      assertThat(MDC.get("participantId")).isNull();
    } finally {
      MDC.clear();
      installBasicMdcAdapter(before);
    }
  }

  /**
   * slf4j-simple (the core tests' binding) keeps no MDC; the test puts slf4j's own map-based
   * adapter in its place, as a binding such as Logback would provide one.
   */
  private static MDCAdapter installBasicMdcAdapter(MDCAdapter adapter) {
    try {
      Field field = MDC.class.getDeclaredField("MDC_ADAPTER");
      field.setAccessible(true);
      MDCAdapter previous = MDC.getMDCAdapter();
      field.set(null, adapter);
      return previous;
    } catch (ReflectiveOperationException e) {
      throw new AssertionError("cannot install an MDC adapter for the test", e);
    }
  }

  @Test
  void failureLogging_levelAndStackTraceAsConfigured_neverTheMessage() {
    String errorWithTrace =
        failureLog(new FailureLogging(FailureLogging.Level.ERROR, true), "with-trace");
    assertThat(errorWithTrace)
        .contains("ERROR io.persistenttimers.PersistentTimer - Timer 'with-trace' (broken)")
        .contains("java.lang.IllegalStateException (message left out)")
        .contains("Caused by: java.lang.NumberFormatException (message left out)")
        .contains("at io.persistenttimers.CallbackInterceptorTest")
        .doesNotContain(SECRET)
        .doesNotContain("4915112345678");

    String defaultLine = failureLog(FailureLogging.DEFAULT, "default");
    assertThat(defaultLine)
        .contains("WARN io.persistenttimers.PersistentTimer - Timer 'default' (broken)")
        .doesNotContain("message left out")
        .doesNotContain("\tat ")
        .doesNotContain("4915112345678");

    String off = failureLog(new FailureLogging(FailureLogging.Level.OFF, true), "off");
    assertThat(off).doesNotContain("Timer 'off' (broken) failed");
  }

  /** What one failing run (a single attempt) writes to slf4j-simple's stderr. */
  private String failureLog(FailureLogging settings, String id) {
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    PrintStream original = System.err;
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try (Harness h =
        harness(
            b ->
                b.failureLogging(settings)
                    .register(
                        "broken",
                        CallbackFactory.of(
                            ctx -> {
                              throw new IllegalStateException(
                                  SECRET, new NumberFormatException("4915112345678"));
                            })))) {
      h.start();
      h.timer.scheduleAfter(
          Duration.ofSeconds(1),
          TimerSpec.of("broken", "p-1").id(id).retryPolicy(RetryPolicy.NONE));
      h.advance(Duration.ofSeconds(1));
      assertThat(h.events).contains("dead " + id);
      h.close();
    } finally {
      System.setErr(original);
    }
    return captured.toString(StandardCharsets.UTF_8);
  }

  @Test
  void everyListenerAdded_receivesEveryEvent() {
    List<String> second = new ArrayList<>();
    try (Harness h =
        harness(
            b ->
                b.listener(
                        new TimerListener() {
                          @Override
                          public void onFired(TimerRecord timer, Duration lateness) {
                            throw new IllegalStateException("a broken listener");
                          }
                        })
                    .listener(
                        new TimerListener() {
                          @Override
                          public void onFired(TimerRecord timer, Duration lateness) {
                            second.add(timer.id() + " late " + lateness);
                          }
                        })
                    .register("reminder", record -> ctx -> {}))) {
      h.start();
      h.timer.scheduleAfter(Duration.ofSeconds(5), TimerSpec.of("reminder", "p-1").id("t-1"));
      h.advance(Duration.ofSeconds(5));

      assertThat(h.events).contains("fired t-1"); // the harness's own listener, added first
      assertThat(second).containsExactly("t-1 late PT0S");
    }
  }
}
