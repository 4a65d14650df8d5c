package io.persistenttimers.admin;

import io.persistenttimers.TimerQuery;
import io.persistenttimers.TimerRecord;
import io.persistenttimers.TimerStatus;
import io.persistenttimers.spi.ClaimingStore;
import io.persistenttimers.spi.Store;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.function.ToLongFunction;

/**
 * What an operator looks at first: how many timers wait, how late the oldest one is, what failed,
 * per callback type, and who holds leases. Every number is a count the store computes (one query
 * each, grouped per type), never rows loaded and counted here.
 *
 * <p>An exact count reads every matching index entry, which takes seconds at millions of timers. A
 * page that must answer fast takes a {@linkplain #of(Store, Instant, int) capped overview}: each
 * count stops at {@link #countLimit()}, and a count above it means "more than {@code countLimit}"
 * ({@link #exceedsLimit}). Then the cost is bounded by the limit, not by the store's size.
 *
 * <p>Carries no params and no error texts, which may hold personal data: only ids, types and times.
 *
 * @param at the instant the counts refer to
 * @param countLimit the largest count given exactly; {@link #EXACT} when every count is exact
 * @param total every stored timer
 * @param pending ACTIVE timers (waiting to fire, overdue ones included)
 * @param overdue ACTIVE timers due before {@code at}
 * @param oldestOverdue the ACTIVE timer that was due earliest, when it is overdue; else null
 * @param dueWithinHour ACTIVE timers that fire within an hour of {@code at}: due before {@code at}
 *     plus one hour, the overdue ones included
 * @param dueWithinDay ACTIVE timers due before {@code at} plus one day, the overdue ones included
 * @param retrying ACTIVE timers with a failed attempt, waiting for their retry
 * @param failed FAILED timers (out of attempts, kept for inspection and release)
 * @param quarantined QUARANTINED timers (unreadable, or refused by their factory)
 * @param oldestFailure the FAILED timer that was due earliest, or null when none failed
 * @param byCallbackType counts per callback type, sorted by type; in a capped overview, the counts
 *     of a status with more than {@code countLimit} timers describe the {@code countLimit + 1} due
 *     first
 * @param leaseHolders the nodes holding leases, for a store shared by several nodes; else empty
 */
public record TimerOverview(
    Instant at,
    long countLimit,
    long total,
    long pending,
    long overdue,
    TimerRef oldestOverdue,
    long dueWithinHour,
    long dueWithinDay,
    long retrying,
    long failed,
    long quarantined,
    TimerRef oldestFailure,
    SortedMap<String, TypeCounts> byCallbackType,
    List<ClaimingStore.LeaseHolder> leaseHolders) {

  /**
   * Copies the collections, so the overview cannot change.
   *
   * @param at the instant the counts refer to
   * @param countLimit the largest count given exactly, or {@link #EXACT}
   * @param total every stored timer
   * @param pending ACTIVE timers
   * @param overdue ACTIVE timers due before {@code at}
   * @param oldestOverdue the earliest overdue timer, or null
   * @param dueWithinHour ACTIVE timers due within the next hour, overdue ones included
   * @param dueWithinDay ACTIVE timers due within the next day, overdue ones included
   * @param retrying ACTIVE timers waiting for a retry
   * @param failed FAILED timers
   * @param quarantined QUARANTINED timers
   * @param oldestFailure the earliest FAILED timer, or null
   * @param byCallbackType counts per callback type
   * @param leaseHolders the nodes holding leases
   */
  public TimerOverview {
    Objects.requireNonNull(at, "at");
    if (countLimit < 0) {
      throw new IllegalArgumentException("countLimit must be 0 or more: " + countLimit);
    }
    byCallbackType = Collections.unmodifiableSortedMap(new TreeMap<>(byCallbackType));
    leaseHolders = List.copyOf(leaseHolders);
  }

  /**
   * A timer named in the overview, without its params or error text.
   *
   * @param id the timer id
   * @param callbackType its callback type
   * @param nextFireAt when it is (or was) due
   * @param updatedAt when it was last changed: for a FAILED timer, when it failed for good
   */
  public record TimerRef(String id, String callbackType, Instant nextFireAt, Instant updatedAt) {

    static TimerRef of(TimerRecord r) {
      return new TimerRef(r.id(), r.callbackType(), r.nextFireAt(), r.updatedAt());
    }
  }

  /**
   * The counts of one callback type.
   *
   * @param pending ACTIVE timers of the type
   * @param failed FAILED timers of the type
   * @param quarantined QUARANTINED timers of the type
   */
  public record TypeCounts(long pending, long failed, long quarantined) {}

  /** The {@link #countLimit()} of an overview whose counts are all exact. */
  public static final long EXACT = Long.MAX_VALUE;

  /**
   * Counts exactly what {@code store} holds at {@code now}: every matching index entry is read,
   * which takes seconds at millions of timers (see {@link #of(Store, Instant, int)}).
   *
   * @param store the store to count in
   * @param now the instant overdue and due-soon counts refer to
   * @return the overview
   * @throws io.persistenttimers.StoreException when the store fails
   */
  public static TimerOverview of(Store store, Instant now) {
    return of(store, now, EXACT, store::count, store::countByCallbackType);
  }

  /**
   * Counts what {@code store} holds at {@code now}, each count stopping at {@code countLimit}
   * ({@link Store#count(TimerQuery, int)}), so the cost is bounded by the limit whatever the
   * store's size.
   *
   * @param store the store to count in
   * @param now the instant overdue and due-soon counts refer to
   * @param countLimit the largest count wanted exactly; 0 or more
   * @return the overview; a count above {@code countLimit} means "more than {@code countLimit}"
   * @throws IllegalArgumentException when {@code countLimit} is negative
   * @throws io.persistenttimers.StoreException when the store fails
   */
  public static TimerOverview of(Store store, Instant now, int countLimit) {
    Store.requireCountCap(countLimit);
    return of(
        store,
        now,
        countLimit,
        q -> store.count(q, countLimit),
        q -> store.countByCallbackType(q, countLimit));
  }

  private static TimerOverview of(
      Store store,
      Instant now,
      long countLimit,
      ToLongFunction<TimerQuery> count,
      Function<TimerQuery, SortedMap<String, Long>> countByType) {
    Objects.requireNonNull(store, "store");
    Objects.requireNonNull(now, "now");
    TimerQuery active = TimerQuery.all().status(TimerStatus.ACTIVE);
    long overdue = count.applyAsLong(active.dueBefore(now));
    TimerRef oldestOverdue = overdue == 0 ? null : first(store, active.dueBefore(now));
    TimerQuery failedQuery = TimerQuery.all().status(TimerStatus.FAILED);
    long failed = count.applyAsLong(failedQuery);
    TimerRef oldestFailure = failed == 0 ? null : first(store, failedQuery);
    TimerQuery quarantinedQuery = TimerQuery.all().status(TimerStatus.QUARANTINED);
    SortedMap<String, TypeCounts> byType = new TreeMap<>();
    countByType
        .apply(active)
        .forEach((type, n) -> byType.merge(type, new TypeCounts(n, 0, 0), TimerOverview::sum));
    countByType
        .apply(failedQuery)
        .forEach((type, n) -> byType.merge(type, new TypeCounts(0, n, 0), TimerOverview::sum));
    countByType
        .apply(quarantinedQuery)
        .forEach((type, n) -> byType.merge(type, new TypeCounts(0, 0, n), TimerOverview::sum));
    return new TimerOverview(
        now,
        countLimit,
        count.applyAsLong(TimerQuery.all()),
        count.applyAsLong(active),
        overdue,
        oldestOverdue,
        count.applyAsLong(active.dueBefore(now.plus(Duration.ofHours(1)))),
        count.applyAsLong(active.dueBefore(now.plus(Duration.ofDays(1)))),
        count.applyAsLong(active.failedAttemptsOnly(true)),
        failed,
        count.applyAsLong(quarantinedQuery),
        oldestFailure,
        byType,
        store instanceof ClaimingStore claiming ? claiming.leaseHolders() : List.of());
  }

  private static TimerRef first(Store store, TimerQuery query) {
    return store.list(query.limit(1)).stream().findFirst().map(TimerRef::of).orElse(null);
  }

  /**
   * Whether {@code count}, one of this overview's counts, stopped at the limit: the true number is
   * more than {@link #countLimit()}.
   *
   * @param count a count taken from this overview
   * @return true when it means "more than {@code countLimit}"
   */
  public boolean exceedsLimit(long count) {
    return count > countLimit;
  }

  /**
   * How late the oldest overdue timer is at {@link #at()}; zero when nothing is overdue.
   *
   * @return the lag of the oldest overdue timer
   */
  public Duration oldestLag() {
    return oldestOverdue == null
        ? Duration.ZERO
        : Duration.between(oldestOverdue.nextFireAt(), at)
            .truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
  }

  private static TypeCounts sum(TypeCounts a, TypeCounts b) {
    return new TypeCounts(
        a.pending() + b.pending(), a.failed() + b.failed(), a.quarantined() + b.quarantined());
  }
}
