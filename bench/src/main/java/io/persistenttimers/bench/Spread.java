package io.persistenttimers.bench;

import java.util.Arrays;
import java.util.Locale;

/**
 * The median of a workload's repetitions and their range, so one table row shows how far the
 * repetitions disagreed: a ratio whose samples overlap the limit's is noise, not a result.
 *
 * @param median the median of the finite samples (NaN when there is none)
 * @param min the smallest finite sample
 * @param max the largest finite sample
 * @param count how many finite samples there were (NaN samples, a run that fired nothing, are left
 *     out)
 */
record Spread(double median, double min, double max, int count) {

  static Spread of(double... samples) {
    double[] v = Arrays.stream(samples).filter(Double::isFinite).sorted().toArray();
    int n = v.length;
    if (n == 0) {
      return new Spread(Double.NaN, Double.NaN, Double.NaN, 0);
    }
    double median = n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    return new Spread(median, v[0], v[n - 1], n);
  }

  /** Half the range as a share of the median (0.05 = ±5%); 0 for one sample. */
  double halfRangeShare() {
    return count < 2 || median == 0 ? 0 : (max - min) / 2 / Math.abs(median);
  }

  /** "7,252/s (7,100–7,400)"; a single sample has no range. */
  String rate() {
    return Report.rate(median) + range(v -> String.format(Locale.ROOT, "%,.0f", v));
  }

  /** "0.84 ms (0.71–1.02)"; a single sample has no range. */
  String ms() {
    return Report.ms(median) + range(v -> Report.ms(v).replace(" ms", ""));
  }

  private String range(java.util.function.DoubleFunction<String> number) {
    if (count < 2) {
      return "";
    }
    return " (" + number.apply(min) + "–" + number.apply(max) + ")";
  }
}
