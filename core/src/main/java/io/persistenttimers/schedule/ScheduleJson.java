package io.persistenttimers.schedule;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.persistenttimers.internal.Json;
import java.time.DateTimeException;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.function.Function;

/**
 * JSON form of schedules: an object with a {@code type} discriminator ({@code calendar}, {@code
 * cron} or {@code interval}). Every field a form has is written, and read back as required, so a
 * misspelt field name fails instead of silently meaning "any".
 */
final class ScheduleJson {
  private static final String FIELD = "schedule";

  private ScheduleJson() {}

  static String write(Schedule schedule) {
    ObjectNode node = Json.MAPPER.createObjectNode();
    if (schedule instanceof IntervalSchedule interval) {
      node.put("type", "interval");
      node.put("period", interval.period().toString());
      if (interval.anchor() != null) {
        node.put("anchor", interval.anchor().toString());
      }
    } else if (schedule instanceof CalendarSchedule calendar) {
      node.put("type", "calendar");
      node.put("zone", calendar.zone().getId());
      calendar.minutes().forEach(node.putArray("minutes")::add);
      calendar.hours().forEach(node.putArray("hours")::add);
      calendar.daysOfMonth().forEach(node.putArray("daysOfMonth")::add);
      calendar.months().forEach(node.putArray("months")::add);
      ArrayNode days = node.putArray("daysOfWeek");
      calendar.daysOfWeek().forEach(day -> days.add(day.name()));
    } else if (schedule instanceof CronSchedule cron) {
      node.put("type", "cron");
      node.put("zone", cron.zone().getId());
      node.put("expression", cron.expression());
    } else {
      throw new IllegalArgumentException(
          "schedule has an unknown type: " + schedule.getClass().getName());
    }
    return node.toString();
  }

  static Schedule read(String json) {
    JsonNode node = Json.parseObject(json, FIELD);
    String type = text(node, "type");
    switch (type) {
      case "interval":
        JsonNode anchor = node.get("anchor");
        return new IntervalSchedule(
            parse(node, "period", Duration::parse, "an ISO-8601 duration"),
            anchor == null || anchor.isNull()
                ? null
                : parse(node, "anchor", Instant::parse, "an ISO-8601 instant"));
      case "calendar":
        return new CalendarSchedule(
            zone(node),
            integers(node, "minutes"),
            integers(node, "hours"),
            integers(node, "daysOfMonth"),
            integers(node, "months"),
            daysOfWeek(node));
      case "cron":
        return new CronSchedule(text(node, "expression"), zone(node));
      default:
        throw new IllegalArgumentException(FIELD + ".type is unknown: " + type);
    }
  }

  private static String text(JsonNode node, String name) {
    JsonNode value = Json.requiredField(node, name, FIELD);
    if (!value.isTextual()) {
      throw new IllegalArgumentException(FIELD + "." + name + " must be a string");
    }
    return value.asText();
  }

  private static <T> T parse(
      JsonNode node, String name, Function<String, T> parser, String expected) {
    String text = text(node, name);
    try {
      return parser.apply(text);
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException(
          FIELD + "." + name + " is not " + expected + ": " + text, null);
    }
  }

  private static ZoneId zone(JsonNode node) {
    String id = text(node, "zone");
    try {
      return ZoneId.of(id);
    } catch (DateTimeException e) {
      throw new IllegalArgumentException(FIELD + ".zone is not a valid zone id: " + id, null);
    }
  }

  private static ArrayNode array(JsonNode node, String name) {
    JsonNode value = Json.requiredField(node, name, FIELD);
    if (!value.isArray()) {
      throw new IllegalArgumentException(FIELD + "." + name + " must be an array");
    }
    return (ArrayNode) value;
  }

  private static Set<Integer> integers(JsonNode node, String name) {
    Set<Integer> values = new LinkedHashSet<>();
    for (JsonNode element : array(node, name)) {
      if (!element.isInt()) {
        throw new IllegalArgumentException(
            FIELD + "." + name + " must hold integers only: " + element);
      }
      values.add(element.intValue());
    }
    return values;
  }

  private static Set<DayOfWeek> daysOfWeek(JsonNode node) {
    Set<DayOfWeek> values = new LinkedHashSet<>();
    for (JsonNode element : array(node, "daysOfWeek")) {
      try {
        values.add(DayOfWeek.valueOf(element.isTextual() ? element.asText() : ""));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            FIELD + ".daysOfWeek must hold day names such as MONDAY: " + element, null);
      }
    }
    return values;
  }
}
