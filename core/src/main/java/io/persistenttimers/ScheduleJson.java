package io.persistenttimers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.persistenttimers.internal.Json;
import java.time.Duration;
import java.time.Instant;

/** JSON form of schedules: an object with a {@code type} discriminator. */
final class ScheduleJson {
  private ScheduleJson() {}

  static String write(Schedule schedule) {
    ObjectNode node = Json.MAPPER.createObjectNode();
    if (schedule instanceof IntervalSchedule interval) {
      node.put("type", "interval");
      node.put("period", interval.period().toString());
      if (interval.anchor() != null) {
        node.put("anchor", interval.anchor().toString());
      }
    } else {
      throw new UnsupportedOperationException("placeholder");
    }
    return node.toString();
  }

  static Schedule read(String json) {
    JsonNode node = Json.parseObject(json, "schedule");
    String type = Json.requiredField(node, "type", "schedule").asText();
    switch (type) {
      case "interval":
        JsonNode anchor = node.get("anchor");
        return new IntervalSchedule(
            Duration.parse(Json.requiredField(node, "period", "schedule").asText()),
            anchor == null || anchor.isNull() ? null : Instant.parse(anchor.asText()));
      default:
        throw new IllegalArgumentException("schedule.type is unknown: " + type);
    }
  }
}
