package io.persistenttimers.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.persistenttimers.OverduePolicy;
import io.persistenttimers.TimerSpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class TimerHarnessTest {

  @Test
  void restart_keepsTheStoreAndTheClock_andRecoversOverdueTimers() {
    List<String> ran = new ArrayList<>();
    FakeStore store = new FakeStore();
    try (TimerHarness h =
        TimerHarness.on(store, b -> b.register("ping", r -> ctx -> ran.add(ctx.timerId())))
            .start()) {
      h.timer()
          .scheduleAfter(
              Duration.ofMinutes(1),
              TimerSpec.of("ping").id("a").overduePolicy(OverduePolicy.FIRE_NOW));
      h.timer().close();
      h.clock().advance(Duration.ofMinutes(5)); // the process was down past the due time

      h.restart();
      h.runDue();

      assertThat(ran).containsExactly("a");
      assertThat(h.now()).isEqualTo(TimerHarness.DEFAULT_START.plus(Duration.ofMinutes(5)));
      assertThat(h.events()).contains("recovered a overdue", "fired a");
      assertThat(h.store()).isSameAs(store);
    }
  }

  @Test
  void failingCallback_isReportedWithItsRetryTime() {
    try (TimerHarness h =
        TimerHarness.on(
                new FakeStore(),
                b ->
                    b.register(
                        "boom",
                        r ->
                            ctx -> {
                              throw new IllegalStateException("down");
                            }))
            .start()) {
      h.timer().scheduleAfter(Duration.ofSeconds(10), TimerSpec.of("boom").id("b"));

      h.advance(Duration.ofSeconds(10));

      assertThat(h.events())
          .containsExactly("failed b retry " + TimerHarness.DEFAULT_START.plusSeconds(10 + 30));
    }
  }
}
