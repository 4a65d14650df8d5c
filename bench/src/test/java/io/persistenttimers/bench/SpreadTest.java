package io.persistenttimers.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class SpreadTest {

  @Test
  void oddCount_medianIsTheMiddleSample_rangeIsMinToMax() {
    Spread s = Spread.of(30, 10, 20);

    assertThat(s.median()).isEqualTo(20);
    assertThat(s.min()).isEqualTo(10);
    assertThat(s.max()).isEqualTo(30);
    assertThat(s.count()).isEqualTo(3);
    assertThat(s.halfRangeShare()).isCloseTo(0.5, within(1e-12));
  }

  @Test
  void evenCount_medianIsTheMeanOfTheMiddleTwo() {
    assertThat(Spread.of(4, 1, 3, 2).median()).isEqualTo(2.5);
  }

  @Test
  void nonFiniteSamples_areLeftOut() {
    Spread s = Spread.of(Double.NaN, 5, Double.POSITIVE_INFINITY, 7);

    assertThat(s.count()).isEqualTo(2);
    assertThat(s.median()).isEqualTo(6);
    assertThat(s.max()).isEqualTo(7);
  }

  @Test
  void noFiniteSample_isNaN_withoutRange() {
    Spread s = Spread.of(Double.NaN);

    assertThat(s.count()).isZero();
    assertThat(s.median()).isNaN();
    assertThat(s.halfRangeShare()).isZero();
  }

  @Test
  void formats_showMedianThenRange_andOneSampleWithoutRange() {
    assertThat(Spread.of(7100, 7252, 7400).rate()).isEqualTo("7,252/s (7,100–7,400)");
    assertThat(Spread.of(0.71, 0.84, 1.02).ms()).isEqualTo("0.84 ms (0.71–1.02)");
    assertThat(Spread.of(150, 90, 120).ms()).isEqualTo("120 ms (90.00–150)");
    assertThat(Spread.of(42).rate()).isEqualTo("42/s");
  }
}
