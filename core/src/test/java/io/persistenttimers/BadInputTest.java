package io.persistenttimers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.persistenttimers.schedule.Schedule;
import io.persistenttimers.testkit.FakeStore;
import io.persistenttimers.testkit.ManualClock;
import io.persistenttimers.testkit.ManualScheduler;
import io.persistenttimers.testkit.Records;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every refused call names the field and the rule, and leaves the store as it was. */
class BadInputTest {
  static final Instant NOW = Instant.parse("2026-05-01T12:00:00Z");
  static final TimerSpec OK = TimerSpec.of("reminder", "participant-1");

  private final FakeStore store = new FakeStore();
  private final ManualClock clock = new ManualClock(NOW);
  private final PersistentTimer timer =
      PersistentTimer.builder(store)
          .clock(clock)
          .scheduler(new ManualScheduler(clock))
          .workers(Runnable::run)
          .register("reminder", CallbackFactory.of(ctx -> {}))
          .build();

  @AfterEach
  void close() {
    timer.close();
  }

  static Stream<Arguments> refusedCalls() {
    return Stream.of(
        refused("null delay", t -> t.scheduleAfter(null, OK), "delay must not be null"),
        refused(
            "negative delay",
            t -> t.scheduleAfter(Duration.ofSeconds(-1), OK),
            "delay must be >= 0: PT-1S"),
        refused(
            "absurd delay",
            t -> t.scheduleAfter(Duration.ofDays(365L * 200), OK),
            "delay must be at most PT876000H"),
        refused("null due time", t -> t.scheduleAt(null, OK), "dueAt must not be null"),
        refused(
            "absurd due time",
            t -> t.scheduleAt(Instant.parse("1900-01-01T00:00:00Z"), OK),
            "dueAt must be within"),
        refused("null spec", t -> t.scheduleAfter(Duration.ZERO, null), "spec must not be null"),
        refused(
            "blank callback type",
            t -> t.scheduleAfter(Duration.ZERO, TimerSpec.of(" ", "p")),
            "callbackType must not be blank"),
        refused(
            "null callback type",
            t -> t.scheduleAfter(Duration.ZERO, TimerSpec.of(null, "p")),
            "callbackType must not be null"),
        refused(
            "unregistered callback type",
            t -> t.scheduleAfter(Duration.ZERO, TimerSpec.of("nope", "p")),
            "callbackType 'nope' is not registered"),
        refused(
            "blank participant",
            t -> t.scheduleAfter(Duration.ZERO, TimerSpec.of("reminder", " ")),
            "participantId must not be blank"),
        refused(
            "blank flow type",
            t -> t.scheduleAfter(Duration.ZERO, OK.flowType("\t")),
            "flowType must not be blank"),
        refused(
            "params not JSON",
            t -> t.scheduleAfter(Duration.ZERO, OK.params("{not json")),
            "params is not valid JSON"),
        refused(
            "params too large",
            t -> t.scheduleAfter(Duration.ZERO, OK.params("\"" + "x".repeat(70_000) + "\"")),
            "params must be at most 65536 bytes (UTF-8): got 70002"),
        refused(
            "null params",
            t -> t.scheduleAfter(Duration.ZERO, OK.params(null)),
            "params must not be null"),
        refused(
            "payload version 0",
            t -> t.scheduleAfter(Duration.ZERO, OK.payloadVersion(0)),
            "payloadVersion must be >= 1: 0"),
        refused(
            "id too long",
            t -> t.scheduleAfter(Duration.ZERO, OK.id("x".repeat(256))),
            "id must be at most 255 characters: got 256"),
        refused(
            "blank id", t -> t.scheduleAfter(Duration.ZERO, OK.id(" ")), "id must not be blank"),
        refused(
            "blank state type",
            t -> t.scheduleAfter(Duration.ZERO, OK.state("", "k")),
            "stateType must not be blank"),
        refused(
            "expiry before due",
            t -> t.scheduleAfter(Duration.ofMinutes(10), OK.expiresAt(NOW.plusSeconds(60))),
            "expiresAt must be after the first due time"),
        refused(
            "null ifExists",
            t -> t.scheduleAfter(Duration.ZERO, OK.ifExists(null)),
            "ifExists must not be null"),
        refused("null schedule", t -> t.scheduleRecurring(null, OK), "schedule must not be null"),
        refused(
            "cron that never fires",
            t -> t.scheduleRecurring(Schedule.cron("0 0 30 2 *", ZoneOffset.UTC), OK),
            "never fires"),
        refused(
            "calendar that never fires",
            t ->
                t.scheduleRecurring(
                    Schedule.calendar(ZoneOffset.UTC).months(2).daysOfMonth(31).build(), OK),
            "never fires"),
        refused(
            "invalid cron",
            t -> t.scheduleRecurring(Schedule.cron("61 * * * *", ZoneOffset.UTC), OK),
            "cron"),
        refused(
            "unknown zone in JSON",
            t ->
                t.scheduleRecurring(
                    Schedule.fromJson(
                        "{\"type\":\"cron\",\"zone\":\"Mars/Base\",\"expression\":\"0 9 * * *\"}"),
                    OK),
            "zone"),
        refused(
            "hour out of range",
            t -> t.scheduleRecurring(Schedule.calendar(ZoneOffset.UTC).hours(24).build(), OK),
            "hours"),
        refused(
            "interval too short",
            t -> t.scheduleRecurring(Schedule.every(Duration.ofMillis(10)), OK),
            "period must be at least PT1S"),
        // --- input rules: the same on every store (DESIGN, Semantics 16) ---
        refused(
            "params with text after the value",
            t -> t.scheduleAfter(Duration.ZERO, OK.params("{\"a\":1} x")),
            "params must be exactly one JSON value: more follows it (line 1, column 8)"),
        refused(
            "params with two values",
            t -> t.scheduleAfter(Duration.ZERO, OK.params("{\"a\":1}{\"b\":2}")),
            "params must be exactly one JSON value"),
        refused(
            "params with two scalars",
            t -> t.scheduleAfter(Duration.ZERO, OK.params("1 2")),
            "params must be exactly one JSON value"),
        refused(
            "params blank",
            t -> t.scheduleAfter(Duration.ZERO, OK.params("  \n")),
            "params must not be empty"),
        refused(
            "params with a raw NUL",
            t -> t.scheduleAfter(Duration.ZERO, OK.params("{\"a\":\"x\u0000y\"}")),
            "params must not contain NUL (U+0000): at index 7"),
        refused(
            "params with an escaped NUL",
            t -> t.scheduleAfter(Duration.ZERO, OK.params("{\"a\":\"x\\u0000y\"}")),
            "params must not contain NUL (U+0000), not even escaped: in the string at line 1"),
        refused(
            "params with an escaped unpaired surrogate",
            t -> t.scheduleAfter(Duration.ZERO, OK.params("[\"\\ud800\"]")),
            "params must not contain an unpaired surrogate, not even escaped: in the string"),
        refused(
            "params with an escaped NUL in a name",
            t -> t.scheduleAfter(Duration.ZERO, OK.params("{\"\\u0000\":1}")),
            "params must not contain NUL (U+0000), not even escaped: in the name"),
        refused(
            // The JSON parser itself refuses an unpaired surrogate escaped in a name.
            "params with an escaped unpaired surrogate in a name",
            t -> t.scheduleAfter(Duration.ZERO, OK.params("{\"x\\ud800\":1}")),
            "params is not valid JSON (line 1, column 10)"),
        refused(
            "params with a raw unpaired surrogate",
            t -> t.scheduleAfter(Duration.ZERO, OK.params("[\"\ud800\"]")),
            "params must not contain an unpaired surrogate (U+D800): at index 2"),
        refused(
            "params with a number beyond every store",
            t -> t.scheduleAfter(Duration.ZERO, OK.params("{\"a\":1e1000000}")),
            "params numbers must have at most 1000 digits before and after the decimal point"),
        refused(
            "params with a number too small for every store",
            t -> t.scheduleAfter(Duration.ZERO, OK.params("[1e-1001]")),
            "params numbers must have at most 1000 digits"),
        refused(
            "id with NUL",
            t -> t.scheduleAfter(Duration.ZERO, OK.id("s\u0000t")),
            "id must not contain NUL (U+0000): at index 1"),
        refused(
            "id with an unpaired high surrogate",
            t -> t.scheduleAfter(Duration.ZERO, OK.id("s\uD800t")),
            "id must not contain an unpaired surrogate (U+D800): at index 1"),
        refused(
            "id with an unpaired low surrogate",
            t -> t.scheduleAfter(Duration.ZERO, OK.id("s\uDFFFt")),
            "id must not contain an unpaired surrogate (U+DFFF): at index 1"),
        refused(
            "id ending in half a pair",
            t -> t.scheduleAfter(Duration.ZERO, OK.id("smile\uD83D")),
            "id must not contain an unpaired surrogate (U+D83D): at index 5"),
        refused(
            "participant with NUL",
            t -> t.scheduleAfter(Duration.ZERO, TimerSpec.of("reminder", "p\u0000")),
            "participantId must not contain NUL (U+0000)"),
        refused(
            "participant with an unpaired surrogate",
            t -> t.scheduleAfter(Duration.ZERO, TimerSpec.of("reminder", "\uDC00p")),
            "participantId must not contain an unpaired surrogate"),
        refused(
            "flow type with NUL",
            t -> t.scheduleAfter(Duration.ZERO, OK.flowType("flow\u0000")),
            "flowType must not contain NUL (U+0000)"),
        refused(
            "callback type with NUL",
            t -> t.scheduleAfter(Duration.ZERO, TimerSpec.of("remin\u0000der", "p")),
            "callbackType must not contain NUL (U+0000)"),
        refused(
            "state type with NUL",
            t -> t.scheduleAfter(Duration.ZERO, OK.state("S\u0000", "k")),
            "stateType must not contain NUL (U+0000)"),
        refused(
            "data key with an unpaired surrogate",
            t -> t.scheduleAfter(Duration.ZERO, OK.state("S", "k\uD800")),
            "dataKey must not contain an unpaired surrogate"),
        refused(
            "recurring with an id with NUL",
            t -> t.scheduleRecurring(Schedule.every(Duration.ofMinutes(5)), OK.id("r\u0000")),
            "id must not contain NUL"),
        refused(
            "at a time with params with text after the value",
            t -> t.scheduleAt(NOW.plusSeconds(60), OK.params("[] []")),
            "params must be exactly one JSON value"),
        refused(
            "cancel by an id with NUL",
            t -> t.cancel("s\u0000t"),
            "id must not contain NUL (U+0000): at index 1"),
        refused(
            "get by an id with an unpaired surrogate",
            t -> t.get("s\uD800t"),
            "id must not contain an unpaired surrogate (U+D800)"),
        refused(
            "cancel by a participant with NUL",
            t -> t.cancelByParticipant("p\u0000"),
            "participantId must not contain NUL"),
        refused(
            "cancel by a flow type with an unpaired surrogate",
            t -> t.cancelByParticipant("p", "\uDFFF"),
            "flowType must not contain an unpaired surrogate"),
        refused(
            "list by a participant with NUL",
            t -> t.list(TimerQuery.all().participant("p\u0000")),
            "participantId must not contain NUL"));
  }

  private static Arguments refused(String name, Consumer<PersistentTimer> call, String message) {
    return Arguments.of(name, call, message);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("refusedCalls")
  void refusedCall_namesFieldAndRule_andStoresNothing(
      String name, Consumer<PersistentTimer> call, String message) {
    timer.start();

    assertThatThrownBy(() -> call.accept(timer))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(message);

    assertThat(store.list()).isEmpty();
    assertThat(timer.stats().armed()).isZero();
  }

  @Test
  void paramsErrors_neverEchoTheParamsContent() {
    String secret = "{\"phone\": \"+1555010099\" oops}";

    assertThatThrownBy(() -> timer.scheduleAfter(Duration.ZERO, OK.params(secret)))
        .hasMessageNotContaining("+1555010099");
  }

  @Test
  void inputRuleErrors_neverEchoTheParamsContent() {
    for (String secret :
        List.of(
            "{\"phone\":\"+1555010099\"} x",
            "{\"phone\":\"+1555010099\"}{\"again\":1}",
            "{\"phone\":\"+1555010099\u0000\"}",
            "{\"phone\":\"+1555010099\\u0000\"}",
            "{\"phone\":\"+1555010099\\ud800\"}",
            "{\"phone\":\"+1555010099\", \"n\": 1e99999}")) {
      assertThatThrownBy(() -> timer.scheduleAfter(Duration.ZERO, OK.params(secret)))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith("params ")
          .hasMessageNotContaining("1555010099");
    }
    assertThat(store.list()).isEmpty();
  }

  @Test
  void textThatEveryStoreKeeps_isAccepted() {
    timer.start();
    String text = "O'Brien \"q\" '); DROP TABLE x; -- 😀 日本語 \u2028 é \\ %_";
    String params =
        "{\"t\":\"O'Brien \\\"q\\\" '); DROP TABLE x; -- 😀 \\ud83d\\ude00 日本語 \u2028\"}";

    String id =
        timer
            .scheduleAfter(
                Duration.ofMinutes(1),
                TimerSpec.of("reminder", text)
                    .id(text)
                    .flowType(text)
                    .state(text, text)
                    .params(params))
            .id();

    TimerRecord stored = store.get(id).orElseThrow();
    assertThat(stored.id()).isEqualTo(text);
    assertThat(stored.participantId()).isEqualTo(text);
    assertThat(stored.params()).isEqualTo(params);
    assertThat(timer.get(text)).contains(stored);
  }

  @Test
  void lastError_isRepairedNotRefused_noNulNoUnpairedSurrogateNoSplitPair() {
    TimerRecord base = Records.record("e").build();
    String error = "java.lang.IllegalStateException: a\u0000b\uD800c" + "😀".repeat(1500);

    TimerRecord failed =
        Records.from(base)
            .status(TimerStatus.FAILED)
            .attempt(1, error)
            .version(base.version() + 1)
            .build();

    assertThat(failed.lastError())
        .startsWith("java.lang.IllegalStateException: a\uFFFDb\uFFFDc😀")
        .hasSizeLessThanOrEqualTo(TimerRecord.MAX_ERROR_LENGTH)
        .doesNotContain("\u0000");
    assertThat(io.persistenttimers.internal.Checks.firstUnstorable(failed.lastError()))
        .isEqualTo(-1);
  }

  @Test
  void unregisteredType_isAcceptedWhenTheBuilderAllowsIt() {
    try (PersistentTimer lenient =
        PersistentTimer.builder(store)
            .clock(clock)
            .scheduler(new ManualScheduler(clock))
            .workers(Runnable::run)
            .allowUnregisteredCallbackTypes()
            .build()) {
      String id = lenient.scheduleAfter(Duration.ofMinutes(1), TimerSpec.of("later", "p")).id();

      assertThat(store.get(id)).isPresent();
    }
  }

  @Test
  void builder_refusesBadSettings_namingThem() {
    PersistentTimer.Builder builder = PersistentTimer.builder(store);
    assertThatThrownBy(() -> builder.horizon(Duration.ofMillis(10)))
        .hasMessageContaining("horizon must be between");
    assertThatThrownBy(() -> builder.workerThreads(0))
        .hasMessageContaining("workerThreads must be in 1..1024: 0");
    assertThatThrownBy(() -> builder.maxArmed(0)).hasMessageContaining("maxArmed must be >= 1: 0");
    assertThatThrownBy(() -> builder.overdueFiresPerSecond(-1))
        .hasMessageContaining("overdueFiresPerSecond");
    assertThatThrownBy(() -> builder.register("reminder", null))
        .hasMessageContaining("factory must not be null");
    assertThatThrownBy(() -> PersistentTimer.builder(null))
        .hasMessageContaining("store must not be null");
    assertThatThrownBy(() -> new RetryPolicy(0, Duration.ofSeconds(1), Duration.ofSeconds(1), 2, 0))
        .hasMessageContaining("maxAttempts must be >= 1: 0");
    assertThatThrownBy(() -> Schedule.daily(LocalTime.NOON, null))
        .hasMessageContaining("zone must not be null");
  }
}
