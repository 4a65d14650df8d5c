package io.persistenttimers.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.persistenttimers.testkit.ManualClock;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.ZoneId;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.Test;

class TickerTest {

  @Test
  void systemClockInAnyZone_isMeasuredMonotonically() {
    assertThat(Ticker.isSystem(InstantSource.system())).isTrue();
    assertThat(Ticker.isSystem(Clock.systemUTC())).isTrue();
    assertThat(Ticker.isSystem(Clock.system(ZoneId.of("Asia/Kolkata")))).isTrue();
    assertThat(Ticker.isSystem(Clock.offset(Clock.systemUTC(), Duration.ofSeconds(5)))).isFalse();
    assertThat(Ticker.isSystem(new ManualClock(Instant.EPOCH))).isFalse();
  }

  @Test
  void anotherClock_drivesTheTicker() {
    ManualClock clock = new ManualClock(Instant.parse("2026-06-01T10:00:00Z"));
    LongSupplier ticker = Ticker.of(clock);
    long before = ticker.getAsLong();
    clock.advance(Duration.ofMillis(1_500));
    assertThat(ticker.getAsLong() - before).isEqualTo(1_500_000_000L);
  }
}
