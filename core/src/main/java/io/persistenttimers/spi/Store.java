package io.persistenttimers.spi;

import io.persistenttimers.StoreException;
import io.persistenttimers.StoreInUseException;
import io.persistenttimers.TimerQuery;
import io.persistenttimers.TimerRecord;
import io.persistenttimers.TimerStatus;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Where timers live. Implement this to add a backend, and make the contract suite ({@code
 * io.persistenttimers.testkit.StoreContract} in core's test-jar) pass.
 *
 * <p>Contract shared by every method:
 *
 * <ul>
 *   <li><b>Durable on return.</b> A write method returns only after the change is committed (for a
 *       durable store: would survive a crash at that moment).
 *   <li><b>Atomic.</b> Each call changes all it says or nothing.
 *   <li><b>Exact.</b> {@link #get} returns a record equal to the one written.
 *   <li><b>Thread-safe.</b> Any method may be called from any thread at any time.
 *   <li><b>Compare-and-set.</b> {@link #update} and {@link #delete(String, long)} succeed only when
 *       the stored version equals the expected one; otherwise they change nothing and return false.
 *   <li><b>Failures</b> surface as {@link StoreException}; no checked or driver exception leaves a
 *       store.
 *   <li><b>Unreadable rows are kept.</b> A stored row that cannot be decoded into a {@link
 *       TimerRecord} (for example a corrupt schedule) is never dropped and never fails a whole
 *       query: the store marks it {@link TimerStatus#QUARANTINED} with the reason in {@code
 *       last_error}, leaves the raw data as it is, logs a warning with its id, and omits it from
 *       the results of that call.
 * </ul>
 *
 * <p>Ordering: every list is ordered by {@code nextFireAt}, then {@code id}.
 */
public interface Store extends AutoCloseable {

  /**
   * Stores a new record.
   *
   * @param record the record to store
   * @return true when stored; false when a record with the same id exists (nothing changed)
   */
  boolean insert(TimerRecord record);

  /**
   * The record with this id, in any status.
   *
   * @param id the timer id
   * @return the record, or empty when there is none
   */
  Optional<TimerRecord> get(String id);

  /**
   * The records with these ids that exist, in any status, keyed by id — one round trip for many
   * timers. The default calls {@link #get} for each id.
   *
   * @param ids the timer ids to look up
   * @return the records found, keyed by id; ids without a record are absent
   */
  default Map<String, TimerRecord> getAll(Collection<String> ids) {
    Map<String, TimerRecord> found = new HashMap<>();
    for (String id : ids) {
      get(id).ifPresent(r -> found.put(id, r));
    }
    return found;
  }

  /**
   * Records matching {@code query}, ordered by due time then id, at most {@code query.limit()}.
   *
   * @param query the filter and limit
   * @return the matching records
   */
  List<TimerRecord> list(TimerQuery query);

  /**
   * How many records match {@code query} (its limit and {@code after} position ignored). A row that
   * cannot be decoded and has not been quarantined yet may be counted under the status it was
   * stored with.
   *
   * @param query the filter; its limit is ignored
   * @return the number of matching records
   */
  long count(TimerQuery query);

  /**
   * How many records match {@code query} (its limit and position ignored), per callback type: the
   * operator's view of what the timers are for. Stores answer with one grouped count; the default
   * reads the matching records, which is correct but slow, so a store over a database overrides it.
   *
   * @param query the filter; its limit and {@code after} are ignored
   * @return the number of matching records per callback type, sorted by callback type; types
   *     without a match are absent
   */
  default java.util.SortedMap<String, Long> countByCallbackType(TimerQuery query) {
    java.util.SortedMap<String, Long> counts = new java.util.TreeMap<>();
    for (TimerRecord r : list(query.after(null).limit(TimerQuery.NO_LIMIT))) {
      counts.merge(r.callbackType(), 1L, Long::sum);
    }
    return counts;
  }

  /**
   * {@link TimerStatus#ACTIVE} records whose {@code nextFireAt} is strictly before {@code before},
   * earliest first (ties by id), at most {@code limit}.
   *
   * @param before the exclusive upper bound on {@code nextFireAt}
   * @param limit the most records to return
   * @return the due records, earliest first
   */
  List<TimerRecord> findDue(Instant before, int limit);

  /**
   * Replaces the stored record with {@code next} if the stored version is {@code expectedVersion}.
   * The engine always passes {@code next.version() == expectedVersion + 1}.
   *
   * @param next the record to store in place of the current one
   * @param expectedVersion the version the stored record must have
   * @return true when replaced; false when the record is gone or its version differs
   */
  boolean update(TimerRecord next, long expectedVersion);

  /**
   * Deletes the record if its stored version is {@code expectedVersion}.
   *
   * @param id the timer id
   * @param expectedVersion the version the stored record must have
   * @return true when deleted
   */
  boolean delete(String id, long expectedVersion);

  /**
   * Deletes the record whatever its version or status.
   *
   * @param id the timer id
   * @return the deleted record, or empty when there was none — or when the deleted row could not be
   *     decoded into a record (it is deleted all the same, and the store logs a warning)
   */
  Optional<TimerRecord> delete(String id);

  /**
   * Deletes every record of a participant, optionally only those of one flow type, in one
   * transaction.
   *
   * @param participantId the participant whose records are deleted
   * @param flowType null for every flow type
   * @return the ids deleted
   */
  List<String> deleteByParticipant(String participantId, String flowType);

  /**
   * Deletes every record whose {@code expiresAt} is at or before {@code now}, in any status.
   *
   * @param now the current instant
   * @return how many were deleted
   */
  int deleteExpired(Instant now);

  /**
   * Deletes {@link TimerStatus#FAILED} records last updated before {@code cutoff}.
   *
   * @param cutoff records last updated before this instant are deleted
   * @return how many were deleted
   */
  int deleteFailedBefore(Instant cutoff);

  /**
   * Applies {@code writes} in order as <b>one transaction</b> — one commit, one sync — so many
   * concurrent schedule calls and completions share the cost of durability (group commit). Each
   * write behaves as its single method would at that point of the transaction.
   *
   * <p>The default runs the single methods one after another, which is correct only for a store
   * whose methods share one lock; a SQL store overrides it with a real transaction.
   *
   * @param writes the writes, applied in this order
   * @return for each write, in order, whether it took effect
   * @throws StoreException when the transaction failed; then none of the writes took effect
   */
  default List<Boolean> writeAll(List<Write> writes) {
    List<Boolean> results = new java.util.ArrayList<>(writes.size());
    for (Write write : writes) {
      results.add(write.applyTo(this));
    }
    return results;
  }

  /**
   * Every record (the seed's {@code ListTimers}).
   *
   * @return every stored record
   */
  default List<TimerRecord> list() {
    return list(TimerQuery.all());
  }

  /**
   * Every record of one participant.
   *
   * @param participantId the participant
   * @return the participant's records
   */
  default List<TimerRecord> listByParticipant(String participantId) {
    return list(TimerQuery.all().participant(participantId));
  }

  /**
   * Every record of one flow type.
   *
   * @param flowType the flow type
   * @return the records of that flow type
   */
  default List<TimerRecord> listByFlowType(String flowType) {
    return list(TimerQuery.all().flowType(flowType));
  }

  /**
   * Takes the right to run an engine on this store, held until the returned lock is closed. The
   * engine calls this first in {@code PersistentTimer.start()}, before it reads any timer, and
   * closes the lock in {@code close()} after its workers stopped (or at once when its start fails).
   * Nothing else takes it.
   *
   * <ul>
   *   <li><b>One single-node engine.</b> While a lock taken with {@code multiNode == false} is
   *       open, every further call throws {@link StoreInUseException} — on this instance, on
   *       another instance over the same storage, in this process or in another.
   *   <li><b>Modes never mix.</b> Locks taken with {@code multiNode == true} coexist with each
   *       other, but while any is open a call with {@code false} is refused, and while a {@code
   *       false} lock is open a call with {@code true} is refused. A store that is not a {@link
   *       ClaimingStore} is only ever called with {@code false}.
   *   <li><b>The refusal says what to do.</b> Its message names the store (file, schema and table)
   *       and the fix: stop the other engine, or run every node in multi-node mode.
   *   <li><b>Released on close.</b> Once {@link EngineLock#close()} returned, the lock can be taken
   *       again at once. Closing is idempotent and throws nothing.
   *   <li><b>A dead holder releases it.</b> The lock lives in the process, the operating system or
   *       the database session, never in stored data: when the holding process is killed, a restart
   *       can take it as soon as the operating system or database noticed the death.
   *   <li><b>Data is not locked.</b> Every other method works the same while a lock is held, from
   *       any instance over the same storage: operator tools read, list and cancel beside a running
   *       engine.
   *   <li><b>Failures</b> to find out (for example a database that cannot be reached) surface as
   *       {@link StoreException}, and nothing is held.
   * </ul>
   *
   * <p>The default returns {@link EngineLock#NONE}: a store that cannot protect itself, on which a
   * second engine starts and timers fire twice. Every durable store should implement this.
   *
   * @param multiNode whether the engine runs in multi-node mode (shares the store with other
   *     multi-node engines)
   * @return the lock, held until closed
   * @throws StoreInUseException when another engine holds a lock that excludes this one
   */
  default EngineLock lockForEngine(boolean multiNode) {
    return EngineLock.NONE;
  }

  /** Releases connections and files. Records stay stored. The default does nothing. */
  @Override
  default void close() {}
}
