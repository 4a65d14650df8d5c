package io.persistenttimers.cli;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Durations on the command line and in output: read as ISO-8601 ({@code PT15M}, {@code P7D}) or a
 * number with a unit ({@code 500ms}, {@code 45s}, {@code 30m}, {@code 12h}, {@code 7d}); printed
 * the way an operator reads them ({@code 1h 12m 54s}).
 */
final class Durations implements ITypeConverter<Duration> {

  private static final Pattern SHORT = Pattern.compile("(\\d{1,9})(ms|s|m|h|d)");

  @Override
  public Duration convert(String value) {
    return parse(value);
  }

  static Duration parse(String value) {
    String text = value.trim().toLowerCase(Locale.ROOT);
    Matcher m = SHORT.matcher(text);
    if (m.matches()) {
      long n = Long.parseLong(m.group(1));
      return switch (m.group(2)) {
        case "ms" -> Duration.ofMillis(n);
        case "s" -> Duration.ofSeconds(n);
        case "m" -> Duration.ofMinutes(n);
        case "h" -> Duration.ofHours(n);
        default -> Duration.ofDays(n);
      };
    }
    Duration d;
    try {
      d = Duration.parse(value.trim().toUpperCase(Locale.ROOT));
    } catch (DateTimeParseException e) {
      throw new TypeConversionException(
          "'" + value + "' is not a duration; use e.g. 7d, 12h, 30m, 45s, 500ms or ISO-8601 PT15M");
    }
    if (d.isNegative()) {
      throw new TypeConversionException("'" + value + "' is negative; a duration must be >= 0");
    }
    return d;
  }

  /** {@code 1d 2h 3m 4s}, largest unit first, zero units left out; below a second in ms. */
  static String human(Duration d) {
    if (d.isNegative()) {
      return "-" + human(d.negated());
    }
    if (d.compareTo(Duration.ofSeconds(1)) < 0) {
      return d.toMillis() + "ms";
    }
    StringBuilder out = new StringBuilder();
    append(out, d.toDays(), "d");
    append(out, d.toHoursPart(), "h");
    append(out, d.toMinutesPart(), "m");
    append(out, d.toSecondsPart(), "s");
    return out.toString();
  }

  private static void append(StringBuilder out, long n, String unit) {
    if (n > 0) {
      out.append(out.length() == 0 ? "" : " ").append(n).append(unit);
    }
  }
}
