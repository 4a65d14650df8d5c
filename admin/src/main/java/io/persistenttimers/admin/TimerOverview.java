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

/**
 * What an operator looks at first: how many timers wait, how late the oldest one is, what failed,
 * per callback type, and who holds leases. Every number is a count the store computes (one query
 * each, grouped per type), never rows loaded and counted here, so it costs the same at a thousand
 * timers as at a million, up to the index reads the counts need.
 *
 * <p>Carries no params and no error texts, which may hold personal data: only ids, types and times.
 *
 * @param at the instant the counts refer to
 * @param total every stored timer
 * @param pending ACTIVE timers (waiting to fire, overdue ones included)
 * @param overdue ACTIVE timers due before {@code at}
 * @param oldestOverdue the ACTIVE timer that was due earliest, when it is overdue; else null
 * @param dueWithinHour ACTIVE timers due from {@code at} to an hour later
 * @param dueWithinDay ACTIVE timers due from {@code at} to a day later
 * @param retrying ACTIVE timers with a failed attempt, waiting for their retry
 * @param failed FAILED timers (out of attempts, kept for inspection and release)
 * @param quarantined QUARANTINED timers (unreadable, or refused by their factory)
 * @param oldestFailure the FAILED timer that was due earliest, or null when none failed
 * @param byCallbackType counts per callback type, sorted by type
 * @param leaseHolders the nodes holding leases, for a store shared by several nodes; else empty
 */
public record TimerOverview(
    Instant at,
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
   * @param total every stored timer
   * @param pending ACTIVE timers
   * @param overdue ACTIVE timers due before {@code at}
   * @param oldestOverdue the earliest overdue timer, or null
   * @param dueWithinHour ACTIVE timers due within the next hour
   * @param dueWithinDay ACTIVE timers due within the next day
   * @param retrying ACTIVE timers waiting for a retry
   * @param failed FAILED timers
   * @param quarantined QUARANTINED timers
   * @param oldestFailure the earliest FAILED timer, or null
   * @param byCallbackType counts per callback type
   * @param leaseHolders the nodes holding leases
   */
  public TimerOverview {
    Objects.requireNonNull(at, "at");
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

  /**
   * Counts what {@code store} holds at {@code now}.
   *
   * @param store the store to count in
   * @param now the instant overdue and due-soon counts refer to
   * @return the overview
   * @throws io.persistenttimers.StoreException when the store fails
   */
  public static TimerOverview of(Store store, Instant now) {
    TimerQuery active = TimerQuery.all().status(TimerStatus.ACTIVE);
    long overdue = store.count(active.dueBefore(now));
    TimerRef oldestOverdue =
        overdue == 0
            ? null
            : store.list(active.dueBefore(now).limit(1)).stream()
                .findFirst()
                .map(TimerRef::of)
                .orElse(null);
    TimerQuery failedQuery = TimerQuery.all().status(TimerStatus.FAILED);
    long failed = store.count(failedQuery);
    TimerRef oldestFailure =
        failed == 0
            ? null
            : store.list(failedQuery.limit(1)).stream().findFirst().map(TimerRef::of).orElse(null);
    SortedMap<String, TypeCounts> byType = new TreeMap<>();
    store
        .countByCallbackType(active)
        .forEach((type, n) -> byType.merge(type, new TypeCounts(n, 0, 0), TimerOverview::sum));
    store
        .countByCallbackType(failedQuery)
        .forEach((type, n) -> byType.merge(type, new TypeCounts(0, n, 0), TimerOverview::sum));
    store
        .countByCallbackType(TimerQuery.all().status(TimerStatus.QUARANTINED))
        .forEach((type, n) -> byType.merge(type, new TypeCounts(0, 0, n), TimerOverview::sum));
    return new TimerOverview(
        now,
        store.count(TimerQuery.all()),
        store.count(active),
        overdue,
        oldestOverdue,
        store.count(active.dueBefore(now.plus(Duration.ofHours(1)))) - overdue,
        store.count(active.dueBefore(now.plus(Duration.ofDays(1)))) - overdue,
        store.count(active.failedAttemptsOnly(true)),
        failed,
        store.count(TimerQuery.all().status(TimerStatus.QUARANTINED)),
        oldestFailure,
        byType,
        store instanceof ClaimingStore claiming ? claiming.leaseHolders() : List.of());
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
