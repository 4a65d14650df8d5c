package io.persistenttimers.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.persistenttimers.RetryPolicy;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class BackoffTest {

  private final RetryPolicy policy =
      new RetryPolicy(5, Duration.ofSeconds(1), Duration.ofSeconds(10), 2.0, 0.0);

  @Test
  void growsExponentiallyUpToTheCap() {
    RetryPolicy exact = policy.jitter(0);

    assertThat(Backoff.after(exact, 1, 0.5)).isEqualTo(Duration.ofSeconds(1));
    assertThat(Backoff.after(exact, 2, 0.5)).isEqualTo(Duration.ofSeconds(2));
    assertThat(Backoff.after(exact, 4, 0.5)).isEqualTo(Duration.ofSeconds(8));
    assertThat(Backoff.after(exact, 5, 0.5)).isEqualTo(Duration.ofSeconds(10));
  }

  @Test
  void jitterSpreadsAroundTheBase() {
    RetryPolicy spread = policy.jitter(0.5);

    assertThat(Backoff.after(spread, 2, 0.0)).isEqualTo(Duration.ofSeconds(1));
    assertThat(Backoff.after(spread, 2, 0.5)).isEqualTo(Duration.ofSeconds(2));
    assertThat(Backoff.after(spread, 2, 0.999)).isLessThan(Duration.ofSeconds(3));
  }

  @Test
  void zeroFailedAttempts_isRefused() {
    assertThatThrownBy(() -> Backoff.after(policy, 0, 0.5))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("failedAttempts");
  }
}
