package io.persistenttimers.internal;

import io.persistenttimers.DuplicateTimerException;
import io.persistenttimers.IfExists;
import io.persistenttimers.Scheduled;
import io.persistenttimers.Scheduled.Outcome;
import io.persistenttimers.StoreException;
import io.persistenttimers.TimerRecord;
import io.persistenttimers.spi.Store;
import io.persistenttimers.spi.Write;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Many timers in one store transaction: one {@link Store#getAll} (only when a request says {@link
 * IfExists#REPLACE} or {@link IfExists#FAIL}) and one {@link Store#writeAll}, bypassing group
 * commit so the batch is never split or retried write by write.
 *
 * <p>Rules, per request: an absent id is inserted (CREATED). {@code KEEP}: an existing id stays
 * (KEPT). {@code REPLACE}: an id the read found is updated by compare-and-set on the version read
 * (REPLACED). {@code FAIL}: an id the read found refuses the whole batch with {@link
 * DuplicateTimerException} before anything is written.
 *
 * <p>Races, between the read and the commit: a {@code REPLACE} write that lost (the id appeared,
 * changed or vanished) is read again and retried alone with the others that lost, in a transaction
 * of their own, up to {@link #ATTEMPTS} times; the rest of the batch is committed by then. A {@code
 * FAIL} id that another writer created in between is not overwritten (its insert does nothing); the
 * batch's own writes are then undone by compare-and-set on the versions just written (created ones
 * deleted, replaced ones restored), and {@link DuplicateTimerException} is thrown: nothing of the
 * batch stays or is armed, though another reader may have seen it for that moment. A write undone
 * by nobody because someone changed it first keeps that someone's change.
 *
 * <p>Nothing is armed or reported before the transaction committed; a store failure throws its
 * {@link StoreException} with nothing stored (except what a race retry found already committed).
 */
final class BatchSchedule {
  private static final Logger log = LoggerFactory.getLogger(BatchSchedule.class);
  static final int ATTEMPTS = 20;

  private final Store store;
  private final Window window;
  private final Consumer<TimerRecord> scheduled;

  BatchSchedule(Store store, Window window, Consumer<TimerRecord> scheduled) {
    this.store = store;
    this.window = window;
    this.scheduled = scheduled;
  }

  List<Scheduled> run(List<TimerRecord> records, List<IfExists> rules) {
    int n = records.size();
    if (n == 0) {
      return List.of();
    }
    List<String> checked = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      if (rules.get(i) != IfExists.KEEP) {
        checked.add(records.get(i).id());
      }
    }
    Map<String, TimerRecord> existing = checked.isEmpty() ? Map.of() : store.getAll(checked);
    List<Write> writes = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      TimerRecord record = records.get(i);
      TimerRecord old = existing.get(record.id());
      if (old != null && rules.get(i) == IfExists.FAIL) {
        throw new DuplicateTimerException(record.id());
      }
      writes.add(write(record, old, rules.get(i)));
    }
    List<Boolean> applied = store.writeAll(writes);

    Outcome[] outcomes = new Outcome[n];
    TimerRecord[] stored = new TimerRecord[n];
    List<Integer> lost = new ArrayList<>();
    String failId = null;
    for (int i = 0; i < n; i++) {
      Write w = writes.get(i);
      if (applied.get(i)) {
        outcomes[i] = w instanceof Write.Update ? Outcome.REPLACED : Outcome.CREATED;
        stored[i] = written(w);
      } else if (rules.get(i) == IfExists.KEEP) {
        outcomes[i] = Outcome.KEPT;
      } else if (rules.get(i) == IfExists.FAIL) {
        failId = failId == null ? records.get(i).id() : failId;
      } else {
        lost.add(i);
      }
    }
    if (failId != null) {
      DuplicateTimerException refused = new DuplicateTimerException(failId);
      RuntimeException undoFailed = undo(writes, applied, existing);
      if (undoFailed != null) {
        refused.addSuppressed(undoFailed);
      }
      throw refused;
    }
    try {
      retryLost(records, lost, outcomes, stored);
    } finally {
      // What committed is armed even when a retry failed: it is stored either way.
      for (int i = 0; i < n; i++) {
        if (stored[i] != null) {
          if (outcomes[i] == Outcome.REPLACED) {
            window.stop(stored[i].id());
          }
          scheduled.accept(stored[i]);
        }
      }
    }
    List<Scheduled> results = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      results.add(new Scheduled(records.get(i).id(), outcomes[i]));
    }
    return results;
  }

  private static Write write(TimerRecord record, TimerRecord old, IfExists rule) {
    if (old != null && rule == IfExists.REPLACE) {
      return Write.update(Transitions.replacing(record, old), old.version());
    }
    return Write.insert(record);
  }

  private static TimerRecord written(Write w) {
    return w instanceof Write.Update u ? u.next() : ((Write.Insert) w).record();
  }

  /**
   * REPLACE writes that lost a race: read those ids again and write them, in a batch each round.
   */
  private void retryLost(
      List<TimerRecord> records, List<Integer> lost, Outcome[] outcomes, TimerRecord[] stored) {
    for (int attempt = 0; !lost.isEmpty(); attempt++) {
      if (attempt == ATTEMPTS) {
        throw new StoreException(
            "could not replace timer '"
                + records.get(lost.get(0)).id()
                + "': it changed concurrently "
                + ATTEMPTS
                + " times (the rest of the batch is stored)");
      }
      List<String> ids = new ArrayList<>(lost.size());
      lost.forEach(i -> ids.add(records.get(i).id()));
      Map<String, TimerRecord> now = store.getAll(ids);
      List<Write> writes = new ArrayList<>(lost.size());
      for (int i : lost) {
        writes.add(write(records.get(i), now.get(records.get(i).id()), IfExists.REPLACE));
      }
      List<Boolean> applied = store.writeAll(writes);
      List<Integer> stillLost = new ArrayList<>();
      for (int k = 0; k < lost.size(); k++) {
        int i = lost.get(k);
        if (applied.get(k)) {
          outcomes[i] = writes.get(k) instanceof Write.Update ? Outcome.REPLACED : Outcome.CREATED;
          stored[i] = written(writes.get(k));
        } else {
          stillLost.add(i);
        }
      }
      lost = stillLost;
    }
  }

  /**
   * Takes back what the batch wrote after a FAIL id was created concurrently, by compare-and-set,
   * so a change made since by someone else is kept. A failure here leaves those writes stored and
   * unarmed (the next load arms them) and is returned, to be attached to the refusal.
   */
  private RuntimeException undo(
      List<Write> writes, List<Boolean> applied, Map<String, TimerRecord> existing) {
    List<Write> undo = new ArrayList<>();
    for (int i = 0; i < writes.size(); i++) {
      if (!applied.get(i)) {
        continue;
      }
      Write w = writes.get(i);
      if (w instanceof Write.Update u) {
        TimerRecord old = existing.get(u.id());
        undo.add(Write.update(Transitions.replacing(old, u.next()), u.next().version()));
      } else {
        TimerRecord r = ((Write.Insert) w).record();
        undo.add(Write.delete(r.id(), r.version()));
      }
    }
    if (undo.isEmpty()) {
      return null;
    }
    try {
      store.writeAll(undo);
      return null;
    } catch (RuntimeException e) {
      log.warn(
          "A batch refused for a concurrently created id could not be undone; its {} timers stay"
              + " stored: {}",
          undo.size(),
          e.toString());
      return e;
    }
  }
}
