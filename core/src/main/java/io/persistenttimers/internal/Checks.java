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

  /**
   * Non-null, not blank, at most {@code maxLength} characters, and storable as it is by every store
   * (see {@link #requireStorable}).
   */
  public static String requireText(String value, String field, int maxLength) {
    requireNonNull(value, field);
    requireStorable(value, field);
    requireArgument(!value.isBlank(), "%s must not be blank", field);
    requireArgument(
        value.length() <= maxLength,
        "%s must be at most %d characters: got %d",
        field,
        maxLength,
        value.length());
    return value;
  }

  /**
   * A participant id: non-blank text, or exactly {@code ""} for a timer that belongs to no
   * participant.
   */
  public static String participantId(String value, String field, int maxLength) {
    requireNonNull(value, field);
    return value.isEmpty() ? value : requireText(value, field, maxLength);
  }

  /** Null, or non-blank and at most {@code maxLength} characters. */
  public static String optionalText(String value, String field, int maxLength) {
    return value == null ? null : requireText(value, field, maxLength);
  }

  /**
   * Refuses text that not every store keeps as it is: a NUL (PostgreSQL refuses it, SQLite keeps
   * it) and an unpaired surrogate (UTF-8 cannot encode it; drivers write {@code ?}, so two distinct
   * ids would become one row). Everything else, quotes and SQL-like text included, is stored byte
   * for byte. The message names the field and the position, never the content.
   */
  public static String requireStorable(String value, String field) {
    int bad = firstUnstorable(value);
    if (bad >= 0) {
      throw new IllegalArgumentException(
          value.charAt(bad) == '\0'
              ? String.format("%s must not contain NUL (U+0000): at index %d", field, bad)
              : String.format(
                  "%s must not contain an unpaired surrogate (U+%04X): at index %d",
                  field, (int) value.charAt(bad), bad));
    }
    return value;
  }

  /** The index of the first NUL or unpaired surrogate in {@code value}, or -1. */
  public static int firstUnstorable(String value) {
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c == '\0') {
        return i;
      }
      if (Character.isHighSurrogate(c)) {
        if (i + 1 < value.length() && Character.isLowSurrogate(value.charAt(i + 1))) {
          i++;
        } else {
          return i;
        }
      } else if (Character.isLowSurrogate(c)) {
        return i;
      }
    }
    return -1;
  }

  /**
   * Text the library itself stores (an error message): NUL and unpaired surrogates replaced by
   * U+FFFD, cut to at most {@code maxLength} characters without splitting a surrogate pair.
   */
  public static String storableText(String value, int maxLength) {
    if (value == null) {
      return null;
    }
    StringBuilder out = null;
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      boolean pair =
          Character.isHighSurrogate(c)
              && i + 1 < value.length()
              && Character.isLowSurrogate(value.charAt(i + 1));
      boolean bad = c == '\0' || (!pair && Character.isSurrogate(c));
      if (bad && out == null) {
        out = new StringBuilder(value.length()).append(value, 0, i);
      }
      if (out != null) {
        out.append(bad ? '\uFFFD' : c);
        if (pair) {
          out.append(value.charAt(i + 1));
        }
      }
      if (pair) {
        i++;
      }
    }
    String clean = out == null ? value : out.toString();
    if (clean.length() <= maxLength) {
      return clean;
    }
    int end = Character.isHighSurrogate(clean.charAt(maxLength - 1)) ? maxLength - 1 : maxLength;
    return clean.substring(0, end);
  }
}
