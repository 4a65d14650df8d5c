package io.persistenttimers.internal;

/** Argument checks whose messages name the field and the rule. */
public final class Checks {
  private Checks() {}

  public static void requireArgument(boolean condition, String format, Object... args) {
    if (!condition) {
      throw new IllegalArgumentException(String.format(format, args));
    }
  }

  public static void requireState(boolean condition, String format, Object... args) {
    if (!condition) {
      throw new IllegalStateException(String.format(format, args));
    }
  }

  public static <T> T requireNonNull(T value, String field) {
    if (value == null) {
      throw new IllegalArgumentException(field + " must not be null");
    }
    return value;
  }

  /** Non-null, not blank, at most {@code maxLength} characters. */
  public static String requireText(String value, String field, int maxLength) {
    requireNonNull(value, field);
    requireArgument(!value.isBlank(), "%s must not be blank", field);
    requireArgument(
        value.length() <= maxLength,
        "%s must be at most %d characters: got %d",
        field,
        maxLength,
        value.length());
    return value;
  }

  /** Null, or non-blank and at most {@code maxLength} characters. */
  public static String optionalText(String value, String field, int maxLength) {
    return value == null ? null : requireText(value, field, maxLength);
  }
}
