package io.persistenttimers.spi;

import io.persistenttimers.StoreException;
import io.persistenttimers.StoreInUseException;
import io.persistenttimers.TimerQuery;
import io.persistenttimers.TimerRecord;
import io.persistenttimers.TimerStatus;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Where timers live. Implement this to add a backend, and make the contract suite ({@code
 * io.persistenttimers.testkit.StoreContract} in core's test-jar) pass. Each method has one meaning:
 * read by id ({@link #getAll}), read and count by query ({@link #list}, {@link #count}), the one
 * write path ({@link #writeAll}), the operator's removal ({@link #remove}), cleanup ({@link
 * #purge}), the engine lock ({@link #lockForEngine}) and {@link #close}.
 *
 * <p>Contract shared by every method:
 *
 * <ul>
 *   <li><b>Durable on return.</b> A write method returns only after the change is committed (for a
 *       durable store: would survive a crash at that moment).
 *   <li><b>Atomic.</b> Each call changes all it says or nothing.
 *   <li><b>Exact.</b> {@link #get} returns a record equal to the one written.
 *   <li><b>Thread-safe.</b> Any method may be called from any thread at any time.
 *   <li><b>Compare-and-set.</b> {@link Write.Update} and {@link Write.Delete} take effect only when
 *       the stored version equals the expected one; otherwise they change nothing.
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
   * The records with these ids that exist, in any status, keyed by id: one round trip for many
   * timers.
   *
   * @param ids the timer ids to look up
   * @return the records found, keyed by id; ids without a (readable) record are absent
   */
  Map<String, TimerRecord> getAll(Collection<String> ids);

  /**
   * The record with this id, in any status: {@link #getAll} of one id.
   *
   * @param id the timer id
   * @return the record, or empty when there is none
   */
  default Optional<TimerRecord> get(String id) {
    return Optional.ofNullable(getAll(List.of(id)).get(id));
  }

  /**
   * Records matching {@code query}, ordered by due time then id, at most {@code query.limit()}. The
   * engine finds due timers with {@code TimerQuery.all().status(ACTIVE).dueBefore(t).limit(n)}.
   *
   * @param query the filter and limit
   * @return the matching records
   */
  List<TimerRecord> list(TimerQuery query);

  /**
   * How many records match {@code query} (its limit ignored). A row that cannot be decoded and has
   * not been quarantined yet may be counted under the status it was stored with.
   *
   * @param query the filter; its limit is ignored
   * @return the number of matching records
   */
  long count(TimerQuery query);

  /**
   * How many records match {@code query}, counting no further than {@code atMost}: the exact count
   * when at most {@code atMost} match, else {@code atMost + 1}, which means "more than {@code
   * atMost}". A page that shows a count at any store size uses it, so its cost is bounded by {@code
   * atMost} rather than by the table (SQL stores count over {@code LIMIT atMost + 1} rows of an
   * index). The default counts everything and caps the result.
   *
   * @param query the filter; its limit and {@code after} are ignored
   * @param atMost the largest count wanted exactly; 0 or more, below {@link Integer#MAX_VALUE}
   * @return the count, or {@code atMost + 1} when more match
   * @throws IllegalArgumentException when {@code atMost} is out of range
   */
  default long count(TimerQuery query, int atMost) {
    requireCountCap(atMost);
    return Math.min(count(query), atMost + 1L);
  }

  /**
   * Per callback type, how many of the first {@code atMost + 1} records matching {@code query} in
   * due order (then id) are of that type. When at most {@code atMost} records match, this is the
   * exact {@link #countByCallbackType(TimerQuery)}; when more match, it describes the ones due
   * first, at a cost bounded by {@code atMost}.
   *
   * @param query the filter; its limit and {@code after} are ignored
   * @param atMost 0 or more, below {@link Integer#MAX_VALUE}
   * @return counts per callback type, sorted by type; they add up to at most {@code atMost + 1}
   * @throws IllegalArgumentException when {@code atMost} is out of range
   */
  default java.util.SortedMap<String, Long> countByCallbackType(TimerQuery query, int atMost) {
    requireCountCap(atMost);
    java.util.SortedMap<String, Long> counts = new java.util.TreeMap<>();
    for (TimerRecord r : list(query.after(null).limit(atMost + 1))) {
      counts.merge(r.callbackType(), 1L, Long::sum);
    }
    return counts;
  }

  /**
   * Checks the {@code atMost} of a capped count.
   *
   * @param atMost the cap to check
   * @throws IllegalArgumentException when it is negative or {@link Integer#MAX_VALUE}
   */
  static void requireCountCap(int atMost) {
    if (atMost < 0 || atMost == Integer.MAX_VALUE) {
      throw new IllegalArgumentException(
          "atMost must be between 0 and " + (Integer.MAX_VALUE - 1) + ": " + atMost);
    }
  }

  /**
   * How many records match {@code query} (its limit and position ignored), per callback type: the
   * operator's view of what the timers are for. SQL stores answer with one grouped count; the
   * default reads the matching records, which is correct but slow.
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
   * Applies {@code writes} in order as <b>one transaction</b> (one commit, one sync), so many
   * concurrent schedule calls and completions share the cost of durability (group commit). Each
   * write sees the ones before it. This is the only way the engine changes records.
   *
   * @param writes the writes, applied in this order
   * @return for each write, in order, whether it took effect: an {@link Write.Insert} unless the id
   *     existed, an {@link Write.Update} or {@link Write.Delete} when the stored version was the
   *     expected one
   * @throws StoreException when the transaction failed; then none of the writes took effect
   */
  List<Boolean> writeAll(List<Write> writes);

  /**
   * Deletes every record matching {@code query}, whatever its version or status, in one
   * transaction: an operator's or host's cancel (by id, or by participant and flow type). A row
   * that cannot be decoded is deleted too (deleting is an explicit request) and its id is returned
   * like the others.
   *
   * @param query the filter; it must name an id or a participant (so a mistake cannot empty the
   *     store), and its limit must be {@link TimerQuery#NO_LIMIT}
   * @return the ids deleted, in due order (then id)
   * @throws IllegalArgumentException when the query names neither an id nor a participant, or has a
   *     limit
   */
  List<String> remove(TimerQuery query);

  /**
   * Checks that {@code query} may be handed to {@link #remove}: every store refuses the same
   * queries with this message.
   *
   * @param query the filter of a removal
   * @return the query
   * @throws IllegalArgumentException when it names neither an id nor a participant, or has a limit
   */
  static TimerQuery requireRemovable(TimerQuery query) {
    if (query.id() == null && query.participantId() == null) {
      throw new IllegalArgumentException(
          "query of remove must name an id or a participant (a removal of every timer is refused)");
    }
    if (query.limit() != TimerQuery.NO_LIMIT) {
      throw new IllegalArgumentException(
          "query of remove must have no limit (a removal deletes every match): " + query.limit());
    }
    return query;
  }

  /**
   * Deletes, in one transaction, every record whose {@code expiresAt} is at or before {@code
   * expiredAt} (any status), and every {@link TimerStatus#FAILED} record last updated before {@code
   * failedBefore}.
   *
   * @param expiredAt delete records expired at this instant; null to keep them
   * @param failedBefore delete FAILED records last updated before this instant; null to keep them
   * @return how many of each were deleted
   */
  Purged purge(Instant expiredAt, Instant failedBefore);

  /**
   * What a {@link #purge} deleted.
   *
   * @param expired how many expired records
   * @param failed how many long-failed records
   */
  record Purged(int expired, int failed) {
    /**
     * Every record deleted.
     *
     * @return {@code expired + failed}
     */
    public int total() {
      return expired + failed;
    }
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
