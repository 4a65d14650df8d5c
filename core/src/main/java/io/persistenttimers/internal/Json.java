package io.persistenttimers.internal;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.io.IOException;
import java.math.BigDecimal;

/** The one JSON mapper of the library and small helpers around it. */
public final class Json {
  public static final ObjectMapper MAPPER =
      new ObjectMapper()
          .registerModule(new JavaTimeModule())
          .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  private Json() {}

  /** Parses any JSON value; the message names the field but never echoes the content. */
  public static JsonNode parse(String json, String field) {
    Checks.requireNonNull(json, field);
    try {
      JsonNode node = MAPPER.readTree(json);
      Checks.requireArgument(node != null && !node.isMissingNode(), "%s must not be empty", field);
      return node;
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(
          field
              + " is not valid JSON (line "
              + e.getLocation().getLineNr()
              + ", column "
              + e.getLocation().getColumnNr()
              + ")",
          null);
    }
  }

  /**
   * Digits a JSON number may have before and after the decimal point, exponent applied. Far beyond
   * any timer's needs, and inside what every store keeps (PostgreSQL's numeric: 131072 before,
   * 16383 after).
   */
  public static final int MAX_NUMBER_DIGITS = 1000;

  /**
   * The input rules for a JSON text every store must keep as it is: exactly one JSON value
   * (whitespace around it allowed, nothing else after it), no NUL and no unpaired surrogate, raw or
   * as a backslash-u escape, in any string or name, and numbers of at most {@link
   * #MAX_NUMBER_DIGITS} digits before and after the point. Streams the text; builds no tree. The
   * message names the field, the rule and the position, never the content.
   */
  public static String requireOneValue(String json, String field) {
    Checks.requireNonNull(json, field);
    Checks.requireStorable(json, field);
    try (JsonParser parser = MAPPER.getFactory().createParser(json)) {
      JsonToken token = parser.nextToken();
      Checks.requireArgument(token != null, "%s must not be empty", field);
      int depth = 0;
      do {
        switch (token) {
          case START_OBJECT, START_ARRAY -> depth++;
          case END_OBJECT, END_ARRAY -> depth--;
          case FIELD_NAME, VALUE_STRING -> requireStorableString(parser, field);
          case VALUE_NUMBER_FLOAT -> requireNumberInRange(parser, field);
          default -> {}
        }
      } while (depth > 0 && (token = parser.nextToken()) != null);
      JsonLocation end = parser.currentLocation();
      boolean more;
      try {
        more = parser.nextToken() != null;
      } catch (JsonProcessingException e) {
        more = true;
      }
      Checks.requireArgument(
          !more,
          "%s must be exactly one JSON value: more follows it (line %d, column %d)",
          field,
          end.getLineNr(),
          end.getColumnNr());
      return json;
    } catch (StreamConstraintsException e) {
      throw new IllegalArgumentException(
          field + " exceeds a JSON limit: " + e.getOriginalMessage());
    } catch (JsonProcessingException e) {
      throw notJson(field, e);
    } catch (IOException e) {
      throw new IllegalArgumentException(field + " could not be read as JSON", null);
    }
  }

  private static void requireStorableString(JsonParser parser, String field) throws IOException {
    String text = parser.getText();
    int bad = Checks.firstUnstorable(text);
    if (bad >= 0) {
      JsonLocation at = parser.currentTokenLocation();
      throw new IllegalArgumentException(
          String.format(
              "%s must not contain %s, not even escaped: in the %s at line %d, column %d",
              field,
              text.charAt(bad) == '\0' ? "NUL (U+0000)" : "an unpaired surrogate",
              parser.currentToken() == JsonToken.FIELD_NAME ? "name" : "string",
              at.getLineNr(),
              at.getColumnNr()));
    }
  }

  private static void requireNumberInRange(JsonParser parser, String field) throws IOException {
    BigDecimal value = parser.getDecimalValue();
    long before = (long) value.precision() - value.scale();
    long after = value.scale();
    if (before > MAX_NUMBER_DIGITS || after > MAX_NUMBER_DIGITS) {
      JsonLocation at = parser.currentTokenLocation();
      throw new IllegalArgumentException(
          String.format(
              "%s numbers must have at most %d digits before and after the decimal point:"
                  + " line %d, column %d",
              field, MAX_NUMBER_DIGITS, at.getLineNr(), at.getColumnNr()));
    }
  }

  private static IllegalArgumentException notJson(String field, JsonProcessingException e) {
    JsonLocation at = e.getLocation();
    return at == null
        ? new IllegalArgumentException(field + " is not valid JSON", null)
        : new IllegalArgumentException(
            field
                + " is not valid JSON (line "
                + at.getLineNr()
                + ", column "
                + at.getColumnNr()
                + ")",
            null);
  }

  public static JsonNode parseObject(String json, String field) {
    JsonNode node = parse(json, field);
    Checks.requireArgument(node.isObject(), "%s must be a JSON object", field);
    return node;
  }

  public static JsonNode requiredField(JsonNode node, String name, String field) {
    JsonNode value = node.get(name);
    Checks.requireArgument(value != null && !value.isNull(), "%s.%s is required", field, name);
    return value;
  }

  public static String write(Object value) {
    try {
      return MAPPER.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(
          "cannot write " + value.getClass().getName() + " as JSON", e);
    }
  }
}
