package io.persistenttimers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.persistenttimers.internal.SensitiveLog;
import io.persistenttimers.spi.Store;
import io.persistenttimers.testkit.FakeStore;
import io.persistenttimers.testkit.ManualClock;
import io.persistenttimers.testkit.ManualScheduler;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.reflect.Field;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.spi.LocationAwareLogger;

/**
 * No personal data above DEBUG, whoever wrote the message: a callback's exception that quotes a
 * phone number from its params, a factory's JSON mapping error, a listener's exception and a store
 * error that quotes a participant's e-mail address reach INFO, WARN and ERROR only as the exception
 * class with the timer id and callback type. Their messages and stack traces are logged at DEBUG on
 * {@value SensitiveLog#NAME}. The log is captured from slf4j-simple (stderr) with every library
 * logger at DEBUG, so lines of every level are seen.
 */
class PersonalDataLogTest {
  static final Instant NOW = Instant.parse("2026-05-01T12:00:00Z");
  static final String PHONE = "4915112345678";
  static final String EMAIL = "ana.silva@example.org";
  static final String PARAMS = "{\"phone\":\"+" + PHONE + "\"}";

  /** Every logger of the library that may carry a failure, and the sensitive one. */
  static final List<String> LOGGERS =
      List.of(
          "io.persistenttimers.internal.Engine",
          "io.persistenttimers.internal.SafeListener",
          "io.persistenttimers.internal.GroupCommit",
          "io.persistenttimers.internal.LeasedOwnership",
          "io.persistenttimers.PersistentTimer",
          SensitiveLog.NAME);

  private final Map<Logger, Integer> levels = new HashMap<>();
  private final ByteArrayOutputStream captured = new ByteArrayOutputStream();
  private PrintStream originalErr;

  record Line(String level, String logger, String text) {}

  @BeforeEach
  void capture() throws Exception {
    for (String name : LOGGERS) {
      Logger logger = LoggerFactory.getLogger(name);
      levels.put(logger, setLevel(logger, LocationAwareLogger.DEBUG_INT));
    }
    originalErr = System.err;
    PrintStream tee =
        new PrintStream(
            new OutputStream() {
              @Override
              public void write(int b) {
                captured.write(b);
                originalErr.write(b);
              }

              @Override
              public void write(byte[] b, int off, int len) {
                captured.write(b, off, len);
                originalErr.write(b, off, len);
              }
            },
            true,
            StandardCharsets.UTF_8);
    System.setErr(tee);
  }

  @AfterEach
  void restore() throws Exception {
    System.setErr(originalErr);
    for (Map.Entry<Logger, Integer> e : levels.entrySet()) {
      setLevel(e.getKey(), e.getValue());
    }
  }

  /** slf4j-simple fixes a logger's level when it is created; tests set it through its field. */
  private static int setLevel(Logger logger, int level) throws Exception {
    Field field = logger.getClass().getDeclaredField("currentLogLevel");
    field.setAccessible(true);
    int before = field.getInt(logger);
    field.setInt(logger, level);
    return before;
  }

  private static final Pattern START =
      Pattern.compile("^(?:\\S+ )?\\[[^\\]]*\\] (TRACE|DEBUG|INFO|WARN|ERROR) (\\S+) - (.*)$");

  /** The captured records, each with its continuation lines (stack traces). */
  private List<Line> lines() {
    List<Line> lines = new ArrayList<>();
    String level = null;
    String logger = null;
    StringBuilder text = null;
    for (String raw : captured.toString(StandardCharsets.UTF_8).split("\\R")) {
      Matcher m = START.matcher(raw);
      if (m.matches()) {
        if (text != null) {
          lines.add(new Line(level, logger, text.toString()));
        }
        level = m.group(1);
        logger = m.group(2);
        text = new StringBuilder(m.group(3));
      } else if (text != null) {
        text.append('\n').append(raw);
      }
    }
    if (text != null) {
      lines.add(new Line(level, logger, text.toString()));
    }
    return lines;
  }

  private List<Line> aboveDebug() {
    return lines().stream()
        .filter(l -> !l.level().equals("DEBUG") && !l.level().equals("TRACE"))
        .toList();
  }

  private PersistentTimer timer(
      Store store, ManualScheduler scheduler, ManualClock clock, TimerListener listener) {
    return PersistentTimer.builder(store)
        .clock(clock)
        .scheduler(scheduler)
        .workers(Runnable::run)
        .random(() -> 0.5)
        .listener(listener)
        .register("sms", CallbackFactory.of(ctx -> Integer.parseInt("+" + PHONE)))
        .register(
            "typed",
            record -> {
              record Sms(int phone) {}
              try {
                Sms sms = new ObjectMapper().readValue(record.params(), Sms.class);
                return ctx -> {};
              } catch (java.io.IOException e) {
                throw new IllegalArgumentException(e);
              }
            })
        .build();
  }

  @Test
  void callbackAndFactoryAndListenerErrors_reachWarnAsTheirClassOnly_messagesAtDebug() {
    FakeStore store = new FakeStore();
    ManualClock clock = new ManualClock(NOW);
    ManualScheduler scheduler = new ManualScheduler(clock);
    TimerListener throwing =
        new TimerListener() {
          @Override
          public void onFired(TimerRecord timer, Duration lateness) {}

          @Override
          public void onDead(TimerRecord timer, Throwable error) {
            throw new IllegalStateException("cannot notify " + EMAIL);
          }
        };
    try (PersistentTimer timer = timer(store, scheduler, clock, throwing)) {
      timer.start();
      timer.scheduleAfter(
          Duration.ofMinutes(1),
          TimerSpec.of("sms", EMAIL)
              .id("sms-1")
              .params(PARAMS)
              .retryPolicy(
                  RetryPolicy.exponential(2, Duration.ofMinutes(1), Duration.ofMinutes(1))));
      timer.scheduleAfter(
          Duration.ofMinutes(1), TimerSpec.of("typed", EMAIL).id("typed-1").params(PARAMS));

      scheduler.advance(Duration.ofMinutes(10));

      TimerRecord failed = store.get("sms-1").orElseThrow();
      assertThat(failed.status()).isEqualTo(TimerStatus.FAILED);
      TimerRecord quarantined = store.get("typed-1").orElseThrow();
      assertThat(quarantined.status()).isEqualTo(TimerStatus.QUARANTINED);
      // Documented: lastError keeps the message; it is stored beside the params, same data.
      assertThat(failed.lastError()).contains(PHONE);
      assertThat(quarantined.lastError()).contains(PHONE);
    }

    List<Line> above = aboveDebug();
    assertThat(above)
        .extracting(Line::text)
        .anySatisfy(
            t ->
                assertThat(t)
                    .contains("'sms-1' (sms) failed attempt 1 of 2")
                    .endsWith("java.lang.NumberFormatException"))
        .anySatisfy(
            t ->
                assertThat(t)
                    .contains("'sms-1' (sms) failed its last attempt (2)")
                    .endsWith("java.lang.NumberFormatException"))
        .anySatisfy(
            t ->
                assertThat(t)
                    .contains("'typed-1' (typed) quarantined")
                    .contains("IllegalArgumentException"))
        .anySatisfy(t -> assertThat(t).contains("TimerListener.onDead threw"));
    for (Line line : above) {
      assertThat(line.text()).as(line.toString()).doesNotContain(PHONE).doesNotContain(EMAIL);
    }
    List<String> sensitive =
        lines().stream()
            .filter(l -> l.logger().equals(SensitiveLog.NAME))
            .peek(l -> assertThat(l.level()).isEqualTo("DEBUG"))
            .map(Line::text)
            .toList();
    assertThat(sensitive)
        .anySatisfy(t -> assertThat(t).contains("'sms-1'").contains(PHONE))
        .anySatisfy(t -> assertThat(t).contains("'typed-1'").contains(PHONE))
        .anySatisfy(t -> assertThat(t).contains("onDead").contains(EMAIL));
  }

  @Test
  @SuppressWarnings("unchecked")
  void storeRefusalsThatQuoteData_reachWarnAndErrorAsTheirClassOnly() {
    FakeStore fake = new FakeStore();
    // A store whose driver quotes the row in its message, and refuses every update for good.
    Store quoting =
        (Store)
            Proxy.newProxyInstance(
                Store.class.getClassLoader(),
                new Class<?>[] {Store.class},
                (proxy, method, args) -> {
                  if (method.getName().equals("writeAll")) {
                    // One write at a time, through this proxy, so updates are refused below.
                    List<Boolean> results = new ArrayList<>();
                    for (io.persistenttimers.spi.Write write :
                        (List<io.persistenttimers.spi.Write>) args[0]) {
                      results.add(write.applyTo((Store) proxy));
                    }
                    return results;
                  }
                  if (method.getName().equals("update")) {
                    throw new StoreException(
                        "update refused: row (" + EMAIL + ", " + PARAMS + ")", null, false);
                  }
                  try {
                    return method.invoke(fake, args);
                  } catch (InvocationTargetException e) {
                    throw e.getCause();
                  }
                });
    ManualClock clock = new ManualClock(NOW);
    ManualScheduler scheduler = new ManualScheduler(clock);
    try (PersistentTimer timer = timer(quoting, scheduler, clock, new TimerListener() {})) {
      timer.start();
      timer.scheduleAfter(
          Duration.ofMinutes(1), TimerSpec.of("sms", EMAIL).id("sms-2").params(PARAMS));

      scheduler.advance(Duration.ofMinutes(1));
    }

    List<Line> above = aboveDebug();
    assertThat(above)
        .extracting(Line::text)
        .anySatisfy(t -> assertThat(t).contains("'sms-2' (sms) failed attempt 1"))
        .anySatisfy(
            t ->
                assertThat(t)
                    .contains("'sms-2': the store refused to quarantine it")
                    .endsWith("io.persistenttimers.StoreException"));
    for (Line line : above) {
      assertThat(line.text()).as(line.toString()).doesNotContain(PHONE).doesNotContain(EMAIL);
    }
  }

  @Test
  void participantIds_stayOutOfToStringAndRefusals() {
    TimerSpec spec = TimerSpec.of("sms", EMAIL).params(PARAMS);
    TimerRecord record =
        io.persistenttimers.testkit.Records.record("r").participant(EMAIL).params(PARAMS).build();

    assertThat(spec.toString()).doesNotContain(EMAIL).doesNotContain(PHONE);
    assertThat(record.toString()).doesNotContain(EMAIL).doesNotContain(PHONE);
    assertThat(record.describe()).doesNotContain(EMAIL).doesNotContain(PHONE);
    ManualClock clock = new ManualClock(NOW);
    try (PersistentTimer timer =
        timer(new FakeStore(), new ManualScheduler(clock), clock, new TimerListener() {})) {
      assertThatThrownBy(
              () -> timer.scheduleAfter(Duration.ZERO, TimerSpec.of("sms", EMAIL + "\u0000")))
          .hasMessageContaining("participantId must not contain NUL")
          .hasMessageNotContaining(EMAIL);
      assertThatThrownBy(() -> timer.cancelByParticipant(EMAIL + "\uD800"))
          .hasMessageContaining("participantId must not contain an unpaired surrogate")
          .hasMessageNotContaining(EMAIL);
      assertThatThrownBy(
              () -> timer.scheduleAfter(Duration.ZERO, TimerSpec.of("sms", EMAIL.repeat(20))))
          .hasMessageContaining("participantId must be at most 255 characters")
          .hasMessageNotContaining(EMAIL);
    }
  }
}
