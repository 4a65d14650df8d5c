package io.persistenttimers.store.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.persistenttimers.CallbackFactory;
import io.persistenttimers.PersistentTimer;
import io.persistenttimers.StoreInUseException;
import io.persistenttimers.TimerSpec;
import io.persistenttimers.testkit.ManualClock;
import io.persistenttimers.testkit.ManualScheduler;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** One started PersistentTimer per MemoryStore instance. */
class MemoryStoreEngineLockTest {
  private final MemoryStore store = new MemoryStore();
  private final ManualClock clock = new ManualClock(Instant.parse("2026-03-01T08:00:00Z"));
  private final ManualScheduler scheduler = new ManualScheduler(clock);
  private final List<String> fired = new ArrayList<>();

  private PersistentTimer timer(MemoryStore on) {
    return PersistentTimer.builder(on)
        .clock(clock)
        .scheduler(scheduler)
        .workers(Runnable::run)
        .register("reminder", CallbackFactory.of(ctx -> fired.add(ctx.timerId())))
        .build();
  }

  @Test
  void secondTimerOnTheSameStore_isRefused_untilTheFirstCloses() {
    try (PersistentTimer first = timer(store);
        PersistentTimer second = timer(store)) {
      first.start();
      String id = first.scheduleAfter(Duration.ofMinutes(1), TimerSpec.of("reminder", "p")).id();

      assertThatThrownBy(second::start)
          .isInstanceOf(StoreInUseException.class)
          .hasMessageContaining("already running on this MemoryStore");
      scheduler.advance(Duration.ofMinutes(1));
      assertThat(fired).containsExactly(id);

      first.close();
      second.start();
      String next = second.scheduleAfter(Duration.ofMinutes(1), TimerSpec.of("reminder", "p")).id();
      scheduler.advance(Duration.ofMinutes(1));
      assertThat(fired).containsExactly(id, next);
    }
  }

  @Test
  void timersOnDifferentMemoryStores_runSideBySide() {
    try (PersistentTimer a = timer(store);
        PersistentTimer b = timer(new MemoryStore())) {
      a.start();
      b.start();
      assertThat(a.stats()).isNotNull();
    }
  }
}
