package io.persistenttimers.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.persistenttimers.TimerRecord;
import io.persistenttimers.TimerStatus;
import io.persistenttimers.admin.ScheduleText;
import java.time.Instant;

/**
 * A timer as JSON for scripts: every field by name, instants in ISO-8601 UTC; params and the last
 * error's message (personal data, possibly) only when revealed.
 */
final class TimerJson {

  private TimerJson() {}

  static ObjectNode of(TimerRecord r, boolean withParams) {
    ObjectNode o = StoreCommand.JSON.createObjectNode();
    o.put("id", r.id());
    o.put("participantId", r.participantId());
    o.put("flowType", r.flowType());
    o.put("callbackType", r.callbackType());
    o.put("kind", r.kind().name());
    o.put("status", r.status().name());
    // A FAILED or QUARANTINED timer fires only once released: it has no next fire time.
    o.put("nextFireAt", r.status() == TimerStatus.ACTIVE ? iso(r.nextFireAt()) : null);
    o.put("dueAt", iso(r.nextFireAt()));
    o.put("schedule", r.schedule() == null ? null : ScheduleText.describe(r.schedule()));
    o.put("attempt", r.attempt());
    o.put("lastErrorType", errorType(r.lastError()));
    o.put("expiresAt", iso(r.expiresAt()));
    o.put("lastFiredAt", iso(r.lastFiredAt()));
    o.put("stateType", r.stateType());
    o.put("dataKey", r.dataKey());
    o.put("overduePolicy", r.overduePolicy() == null ? null : r.overduePolicy().name());
    o.put("retryPolicy", r.retryPolicy() == null ? null : r.retryPolicy().toJson());
    o.put("payloadVersion", r.payloadVersion());
    o.put("version", r.version());
    o.put("createdAt", iso(r.createdAt()));
    o.put("updatedAt", iso(r.updatedAt()));
    if (withParams) {
      o.put("lastError", r.lastError());
      o.put("params", r.params());
    }
    return o;
  }

  /**
   * The kind of the last error without its message: the text before the first colon (an exception's
   * class, or a quarantine reason's first words). The message may quote params, so it is shown only
   * when revealed.
   */
  static String errorType(String lastError) {
    if (lastError == null) {
      return null;
    }
    int colon = lastError.indexOf(':');
    String head = colon < 0 ? lastError : lastError.substring(0, colon);
    return head.length() > 80 ? head.substring(0, 80) + "…" : head;
  }

  static String iso(Instant instant) {
    return instant == null ? null : instant.toString();
  }
}
