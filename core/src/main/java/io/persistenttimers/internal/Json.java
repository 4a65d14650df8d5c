package io.persistenttimers.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;

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
