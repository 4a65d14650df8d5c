package io.persistenttimers.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/** Collects result rows and prints them as one table. */
final class Report {

  /**
   * One line of the table.
   *
   * @param ratio engine / limit (for rates) or null when there is no limit to compare with
   * @param verdict "met", "MISSED" or "" when no target applies
   */
  record Row(
      String workload,
      String store,
      String measure,
      String engine,
      String limitName,
      String limit,
      String ratio,
      String target,
      String verdict) {}

  private final List<Row> rows = new ArrayList<>();
  private final List<String> notes = new ArrayList<>();

  synchronized void add(Row row) {
    rows.add(row);
  }

  synchronized void note(String note) {
    notes.add(note);
  }

  synchronized List<Row> rows() {
    return List.copyOf(rows);
  }

  synchronized String render() {
    String[] head = {
      "Workload", "Store", "Measure", "Engine", "Limit", "Limit value", "Ratio", "Target", ""
    };
    int[] width = new int[head.length];
    for (int i = 0; i < head.length; i++) {
      width[i] = Math.max(1, head[i].length());
    }
    for (Row r : rows) {
      String[] cells = cells(r);
      for (int i = 0; i < cells.length; i++) {
        width[i] = Math.max(width[i], cells[i].length());
      }
    }
    StringBuilder sb = new StringBuilder();
    line(sb, head, width);
    String[] sep = new String[head.length];
    for (int i = 0; i < head.length; i++) {
      sep[i] = "-".repeat(width[i]);
    }
    line(sb, sep, width);
    for (Row r : rows) {
      line(sb, cells(r), width);
    }
    for (String n : notes) {
      sb.append(n).append('\n');
    }
    return sb.toString();
  }

  private static String[] cells(Row r) {
    return new String[] {
      r.workload(),
      r.store(),
      r.measure(),
      r.engine(),
      r.limitName(),
      r.limit(),
      r.ratio(),
      r.target(),
      r.verdict()
    };
  }

  private static void line(StringBuilder sb, String[] cells, int[] width) {
    sb.append("| ");
    for (int i = 0; i < cells.length; i++) {
      sb.append(String.format(Locale.ROOT, "%-" + width[i] + "s", cells[i])).append(" | ");
    }
    sb.setLength(sb.length() - 1);
    sb.append('\n');
  }

  // --- numbers -------------------------------------------------------------------------------

  static double median(double[] values) {
    double[] v = values.clone();
    Arrays.sort(v);
    int n = v.length;
    return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
  }

  /** Nearest-rank percentile of sorted-or-not values. */
  static double percentile(double[] values, double p) {
    double[] v = values.clone();
    Arrays.sort(v);
    int rank = (int) Math.ceil(p / 100.0 * v.length);
    return v[Math.max(0, Math.min(v.length - 1, rank - 1))];
  }

  static String rate(double perSecond) {
    return String.format(Locale.ROOT, "%,.0f/s", perSecond);
  }

  static String ms(double millis) {
    return millis >= 100
        ? String.format(Locale.ROOT, "%,.0f ms", millis)
        : String.format(Locale.ROOT, "%.2f ms", millis);
  }

  static String delta(double millis) {
    return String.format(Locale.ROOT, "%+.2f ms", millis);
  }

  static String ratio(double r) {
    return String.format(Locale.ROOT, "%.2f×", r);
  }

  static String verdict(boolean met) {
    return met ? "met" : "MISSED";
  }
}
