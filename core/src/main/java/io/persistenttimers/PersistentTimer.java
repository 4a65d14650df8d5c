package io.persistenttimers;

import static io.persistenttimers.internal.Checks.requireArgument;
import static io.persistenttimers.internal.Checks.requireNonNull;

import io.persistenttimers.internal.CallbackRegistry;
import io.persistenttimers.internal.Engine;
import io.persistenttimers.internal.EngineConfig;
import io.persistenttimers.internal.NewTimers;
import io.persistenttimers.internal.ParamsBinder;
import io.persistenttimers.internal.ThreadPools;
import io.persistenttimers.internal.Ticker;
import io.persistenttimers.internal.TimerListeners;
import io.persistenttimers.internal.WallClock;
import io.persistenttimers.schedule.Schedule;
import io.persistenttimers.spi.Store;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.DoubleSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Timers that survive a restart. The one front door of the library:
 *
 * <pre>{@code
 * PersistentTimer timer = PersistentTimer.builder(store)
 *     .register("reminder", CallbackFactory.of(ctx -> sendReminder(ctx.participantId())))
 *     .build();
 * timer.start();                                     // recovers stored timers, begins firing
 * String id = timer.scheduleAfter(Duration.ofMinutes(15), TimerSpec.of("reminder", "participant-42")).id();
 * }</pre>
 *
 * <h2>Delivery guarantee</h2>
 *
 * <p>Every schedule call returns only after the store has committed the timer; if the store fails,
 * the call throws and nothing is armed. A one-shot timer is deleted only after its callback
 * returned normally, and a recurring timer advances only then. So delivery is <b>at-least-once</b>:
 * a crash while a callback runs makes that run happen again after the restart, and callbacks should
 * be idempotent ({@link TimerContext} carries the id, the due time and the attempt number). When
 * nothing fails, every timer fires <b>exactly once</b> per occurrence: each state change is a
 * compare-and-set on the record's version, and a timer is re-read before it fires, so cancel, fire,
 * reschedule and completion race safely.
 *
 * <h2>Lifecycle</h2>
 *
 * <p>{@link #start()} loads the timers due within the horizon (overdue ones handled per their
 * {@link OverduePolicy}) and begins firing. {@link #close()} stops firing and releases threads;
 * <b>every record stays in the store</b>. Only {@link #cancel}, {@link #cancelByParticipant} and
 * completion delete. Timers may be scheduled before {@code start()}; they are stored and fire after
 * it.
 *
 * <p><b>One started engine per store</b>, unless every engine on it runs in {@link
 * Builder#multiNode multi-node mode}: {@link #start()} takes the store's engine lock and throws
 * {@link StoreInUseException} while another engine holds it — a single-node engine beside any
 * other, in this process or another, or a multi-node one beside a single-node one. A {@code
 * PersistentTimer} that is never started (an operator tool listing or cancelling timers) takes no
 * lock and works beside a running engine. Thread-safe.
 */
public final class PersistentTimer implements AutoCloseable {

  private final Engine engine;
  private final NewTimers newTimers;
  private final Store store;
  private final Duration startTimeout;
  private final ParamsBinder binder;

  private PersistentTimer(
      Engine engine, NewTimers newTimers, Store store, Duration startTimeout, ParamsBinder binder) {
    this.binder = binder;
    this.startTimeout = startTimeout;
    this.engine = engine;
    this.newTimers = newTimers;
    this.store = store;
  }

  /**
   * A builder over {@code store}; the store stays the caller's to close.
   *
   * @param store where timers are kept
   * @return a new builder
   */
  public static Builder builder(Store store) {
    return new Builder(store);
  }

  // --- scheduling --------------------------------------------------------------------------

  /**
   * Schedules a one-shot timer due {@code delay} from now.
   *
   * @param delay how long from now the timer is due; not negative
   * @param spec what to run and for whom
   * @return the timer's id and whether it was created, replaced or kept, once the store committed
   *     it
   * @throws IllegalArgumentException for bad input, naming the field; nothing is stored
   * @throws DuplicateTimerException when the id exists and the spec says {@link IfExists#FAIL}
   * @throws StoreException when the store failed; nothing is stored or armed
   */
  public Scheduled scheduleAfter(Duration delay, TimerSpec spec) {
    return schedule(newTimers.after(delay, spec, now()), spec);
  }

  /**
   * Schedules a one-shot timer due at {@code dueAt}. A past instant is accepted and fires as soon
   * as possible; like every accepted timer it has an id and a record.
   *
   * @param dueAt when the timer is due
   * @param spec what to run and for whom
   * @return the timer's id and whether it was created, replaced or kept, once the store committed
   *     it
   * @see #scheduleAfter
   */
  public Scheduled scheduleAt(Instant dueAt, TimerSpec spec) {
    return schedule(newTimers.at(dueAt, spec, now()), spec);
  }

  /**
   * Schedules a one-shot timer at a wall-clock time in {@code zone} ("at 18:30 on this date in
   * Asia/Kolkata"), with the library's daylight-saving rule: a time inside a spring-forward gap
   * fires when the gap ends; a time that occurs twice (fall back) fires at the earlier instant. So
   * hosts need no DST arithmetic of their own.
   *
   * @param dueAt the local date and time
   * @param zone where that local time is read
   * @param spec what to run and for whom
   * @return the timer's id and whether it was created, replaced or kept, once the store committed
   *     it
   * @see #scheduleAt(Instant, TimerSpec)
   */
  public Scheduled scheduleAt(LocalDateTime dueAt, ZoneId zone, TimerSpec spec) {
    requireNonNull(dueAt, "dueAt");
    requireNonNull(zone, "zone");
    return scheduleAt(WallClock.toInstant(dueAt, zone.getRules()), spec);
  }

  /**
   * Schedules a recurring timer following {@code schedule}; its first run is the schedule's first
   * occurrence after now.
   *
   * @param schedule when the timer fires
   * @param spec what to run and for whom
   * @return the timer's id and whether it was created, replaced or kept, once the store committed
   *     it
   * @throws IllegalArgumentException also when the schedule never fires
   * @see #scheduleAfter
   */
  public Scheduled scheduleRecurring(Schedule schedule, TimerSpec spec) {
    return schedule(newTimers.recurring(schedule, spec, now()), spec);
  }

  private Scheduled schedule(TimerRecord record, TimerSpec spec) {
    return engine.schedule(record, spec.ifExists());
  }

  /**
   * Schedules many timers in <b>one store transaction</b> (one round trip per kind of write: a JDBC
   * batch on SQLite and PostgreSQL; MariaDB inserts one statement each in the same transaction),
   * each with its own {@link IfExists} rule, and arms them once the store committed. All requests
   * are validated and read at one clock reading before anything is written.
   *
   * <ul>
   *   <li>An absent id is created. {@link IfExists#KEEP}: an existing id is kept. {@link
   *       IfExists#REPLACE}: an existing id is replaced by compare-and-set on the version that one
   *       read of every REPLACE and FAIL id found. {@link IfExists#FAIL}: an existing id refuses
   *       the whole batch before anything is written.
   *   <li>A REPLACE that lost a race (the timer changed between the read and the commit) is read
   *       and written again, with the others that lost, in a transaction of its own after the batch
   *       committed.
   *   <li>A FAIL id created by someone else between the read and the commit is not overwritten; the
   *       batch's own writes are then taken back (by compare-and-set, so a change another writer
   *       made meanwhile stays) and {@link DuplicateTimerException} is thrown with nothing of the
   *       batch left stored or armed.
   * </ul>
   *
   * @param requests at most {@value io.persistenttimers.internal.NewTimers#MAX_BATCH_REQUESTS}
   *     requests with distinct ids (a request without an id gets a fresh one)
   * @return one result per request, in request order
   * @throws IllegalArgumentException for bad input, naming the request's index and the field; for
   *     an id that appears twice; for too many requests. Nothing is stored
   * @throws DuplicateTimerException when a FAIL request's id exists; nothing is stored
   * @throws StoreException when the store failed; nothing is stored or armed (unless a REPLACE race
   *     retry failed: then the first transaction's timers are stored and armed)
   */
  public List<Scheduled> scheduleAll(List<ScheduleRequest> requests) {
    List<TimerRecord> records = newTimers.batch(requests, now());
    List<IfExists> rules = new ArrayList<>(records.size());
    requests.forEach(r -> rules.add(r.spec().ifExists()));
    return engine.scheduleAll(records, rules);
  }

  /**
   * Schedules a timer without waiting for the store: returns at once with a future that completes
   * when the timer is durable (and armed), so one thread can feed many timers into group commit
   * (writes queued meanwhile share one transaction). Writes are committed by an engine-owned commit
   * thread, never the caller's.
   *
   * <p>Bad input throws at once, like the single calls. The future completes with the {@link
   * Scheduled} result, or exceptionally with {@link StoreException} when the store failed (nothing
   * stored), {@link DuplicateTimerException} for {@link IfExists#FAIL} on an existing id, or {@link
   * TimerClosedException} when the timer was closed first (its message says whether the timer is
   * certainly not stored or may be). A {@link IfExists#REPLACE} that finds the id taken reads and
   * replaces it in a write of its own.
   *
   * <p>Futures complete on one library thread: continuations that block or take long must use the
   * {@code ...Async} methods of {@link CompletableFuture} with an executor of the host's, or they
   * hold up the futures behind them (never the commits).
   *
   * <p>Backpressure: at most {@link Builder#maxAsyncInFlight} futures are incomplete at once; a
   * call beyond that blocks until one completes. A caller interrupted while blocked gets a future
   * failed with {@link InterruptedException}, keeps its interrupt status, and nothing is stored. A
   * call from a continuation running on the completion thread never blocks (it would wait for
   * itself).
   *
   * @param request what to schedule
   * @return a future of the result, complete once the store committed
   * @throws IllegalArgumentException for bad input, naming the field; nothing is stored
   * @throws TimerClosedException when the timer is closed, also while the call was blocked
   */
  public CompletableFuture<Scheduled> scheduleAsync(ScheduleRequest request) {
    TimerRecord record = newTimers.request(request, now());
    return engine.scheduleAsync(record, request.spec().ifExists());
  }

  /**
   * Validates a one-shot timer and returns the record to store without storing it — for a store
   * that takes the host's own transaction (for example {@code SqliteStore.insert(connection,
   * record)}). After the host commits, call {@link #armCommitted(String)}; the timer would
   * otherwise be armed by the next load, up to half a horizon later.
   *
   * @param delay how long from now the timer is due; not negative
   * @param spec what to run and for whom
   * @return the validated record, not stored
   * @throws IllegalArgumentException for bad input, naming the field
   */
  public TimerRecord prepareAfter(Duration delay, TimerSpec spec) {
    return newTimers.after(delay, spec, now());
  }

  /**
   * As {@link #prepareAfter}, due at {@code dueAt}.
   *
   * @param dueAt when the timer is due
   * @param spec what to run and for whom
   * @return the validated record, not stored
   */
  public TimerRecord prepareAt(Instant dueAt, TimerSpec spec) {
    return newTimers.at(dueAt, spec, now());
  }

  /**
   * As {@link #prepareAfter}, for a recurring timer.
   *
   * @param schedule when the timer fires
   * @param spec what to run and for whom
   * @return the validated record, not stored
   */
  public TimerRecord prepareRecurring(Schedule schedule, TimerSpec spec) {
    return newTimers.recurring(schedule, spec, now());
  }

  /**
   * Validates a batch and returns the records to store without storing them, for a store's
   * host-transaction batch insert (for example {@code JdbcStore.insertAll(connection, records)}).
   * After the host commits, call {@link #armCommitted(Collection)} with their ids.
   *
   * @param requests at most {@value io.persistenttimers.internal.NewTimers#MAX_BATCH_REQUESTS}
   *     requests with distinct ids
   * @return the validated records, in request order, not stored
   * @throws IllegalArgumentException for bad input, naming the request's index and the field; for
   *     an id that appears twice; for too many requests
   */
  public List<TimerRecord> prepareAll(List<ScheduleRequest> requests) {
    return newTimers.batch(requests, now());
  }

  /**
   * Arms the timers a host stored in its own transaction, after that transaction committed, with
   * one store read for all of them. Ids not in the store (rolled back, already fired) are ignored.
   *
   * @param ids the ids of the records the host stored
   */
  public void armCommitted(Collection<String> ids) {
    requireNonNull(ids, "ids");
    List<String> copy = new ArrayList<>(ids.size());
    for (String id : ids) {
      copy.add(requireNonNull(id, "ids[" + copy.size() + "]"));
    }
    engine.armCommitted(copy);
  }

  /**
   * Arms a timer the host stored in its own transaction, after that transaction committed. Does
   * nothing when the timer is not in the store (the transaction rolled back).
   *
   * @param id the id of the record the host stored
   */
  public void armCommitted(String id) {
    engine.armCommitted(requireNonNull(id, "id"));
  }

  // --- queries -----------------------------------------------------------------------------

  /**
   * The stored timer with this id, in any status.
   *
   * @param id the timer id
   * @return the record, or empty when there is none
   */
  public Optional<TimerRecord> get(String id) {
    return store.get(lookupKey(id, "id"));
  }

  /**
   * A key to look up by: text no stored timer can hold (a NUL, an unpaired surrogate) is refused
   * like it is at scheduling, so no store is asked (PostgreSQL would fail, and a driver turning an
   * unpaired surrogate into {@code ?} would match another timer).
   */
  private static String lookupKey(String key, String field) {
    return io.persistenttimers.internal.Checks.requireStorable(requireNonNull(key, field), field);
  }

  /**
   * Every stored timer, in due order.
   *
   * @return every stored record
   */
  public List<TimerRecord> list() {
    return store.list(TimerQuery.all());
  }

  /**
   * Stored timers matching {@code query}, in due order.
   *
   * @param query the filter and limit
   * @return the matching records
   */
  public List<TimerRecord> list(TimerQuery query) {
    return store.list(requireNonNull(query, "query"));
  }

  /**
   * A participant's timers, in due order (an indexed lookup).
   *
   * @param participantId the participant
   * @return the participant's records
   */
  public List<TimerRecord> listByParticipant(String participantId) {
    return store.list(TimerQuery.all().participant(lookupKey(participantId, "participantId")));
  }

  /**
   * A flow type's timers, in due order (an indexed lookup).
   *
   * @param flowType the flow type
   * @return the records of that flow type
   */
  public List<TimerRecord> listByFlowType(String flowType) {
    return store.list(TimerQuery.all().flowType(lookupKey(flowType, "flowType")));
  }

  /**
   * How many stored timers match {@code query}.
   *
   * @param query the filter; its limit is ignored
   * @return the number of matching records
   */
  public long count(TimerQuery query) {
    return store.count(requireNonNull(query, "query"));
  }

  /**
   * A snapshot of counts and lag; see {@link TimerStats}.
   *
   * @return the current statistics
   */
  public TimerStats stats() {
    return engine.stats();
  }

  // --- control -----------------------------------------------------------------------------

  /**
   * Deletes the timer and stops it. Cancel is final: once this returned, no run of the cancelled
   * timer starts in this process, and a recurring timer does not come back. A callback that had
   * already started finishes (its outcome is not stored); {@link #isRunning} tells whether one is
   * in flight and {@link #awaitIdle} waits for it. A timer scheduled later under the same id is a
   * new timer and fires on its own schedule.
   *
   * @param id the timer id
   * @return true when a timer was deleted
   */
  public boolean cancel(String id) {
    return engine.cancel(lookupKey(id, "id"));
  }

  /**
   * Whether a callback of the timer {@code id} has started in this process and its outcome is not
   * stored yet. After {@link #cancel} returned true, this tells the host that a run was in flight.
   *
   * @param id the timer id
   * @return true while a callback of that timer runs in this process
   */
  public boolean isRunning(String id) {
    return engine.isRunning(requireNonNull(id, "id"));
  }

  /**
   * Waits until no callback of the timer {@code id} runs in this process, for example after {@link
   * #cancel} when the host must know the last run is over before it goes on.
   *
   * @param id the timer id
   * @param timeout the longest to wait
   * @return true when no callback runs; false when {@code timeout} passed first
   * @throws IllegalStateException when called from a callback of that same timer (it would wait for
   *     itself)
   * @throws InterruptedException when the waiting thread is interrupted
   */
  public boolean awaitIdle(String id, Duration timeout) throws InterruptedException {
    requireNonNull(timeout, "timeout");
    return engine.awaitIdle(requireNonNull(id, "id"), timeout);
  }

  /**
   * Deletes and stops every timer of a participant.
   *
   * @param participantId the participant
   * @return how many timers were deleted
   */
  public int cancelByParticipant(String participantId) {
    return cancelByParticipant(participantId, null);
  }

  /**
   * Deletes and stops a participant's timers of one flow type (every flow type if null).
   *
   * @param participantId the participant
   * @param flowType the flow type, or null for every flow type
   * @return how many timers were deleted
   */
  public int cancelByParticipant(String participantId, String flowType) {
    io.persistenttimers.internal.Checks.requireText(
        participantId, "participantId", TimerRecord.MAX_NAME_LENGTH);
    io.persistenttimers.internal.Checks.optionalText(
        flowType, "flowType", TimerRecord.MAX_NAME_LENGTH);
    return engine.cancelByParticipant(participantId, flowType).size();
  }

  /**
   * Registers a typed callback after {@link Builder#build}, as {@link Builder#register(String,
   * Class, TypedCallback)} does before it. Timers of that type that were waiting are bound and
   * fire.
   *
   * @param <T> the params' type
   * @param callbackType the stable name timers of this type were scheduled under
   * @param paramsType the type the params JSON is bound to
   * @param callback runs with the bound params
   * @throws IllegalArgumentException when the type is already registered
   */
  public <T> void register(String callbackType, Class<T> paramsType, TypedCallback<T> callback) {
    engine.register(callbackType, binder.factory(paramsType, callback));
  }

  /**
   * Registers a callback type after {@link Builder#build}. Timers of that type that were waiting
   * (found at recovery without a factory) are bound and fire.
   *
   * @param callbackType the stable name timers of this type were scheduled under
   * @param factory makes the callback for a recovered or new timer of this type
   * @throws IllegalArgumentException when the type is already registered
   */
  public void register(String callbackType, CallbackFactory factory) {
    engine.register(callbackType, factory);
  }

  /**
   * Makes a {@link TimerStatus#FAILED} or {@link TimerStatus#QUARANTINED} timer active again with a
   * fresh attempt count, due now.
   *
   * @param id the timer id
   * @return false when there is no such timer or it is already active
   */
  public boolean release(String id) {
    return engine.release(requireNonNull(id, "id"));
  }

  /**
   * Deletes expired timers and failed ones past the retention now.
   *
   * @return how many timers were deleted
   */
  public int cleanup() {
    return engine.cleanup();
  }

  /**
   * Takes the store's engine lock, recovers stored timers and begins firing. Throws {@link
   * StoreInUseException} at once (nothing started) when another engine runs on the store.
   *
   * <p>While the store is unreachable or busy (a {@link StoreException#isRetryable() retryable}
   * failure of taking the engine lock or of the first load), it tries again, pausing 0.1 s and then
   * up to 2 s between attempts, until the {@linkplain Builder#startTimeout start timeout} has
   * passed; then it throws the last {@link StoreException}. So it returns or throws within the
   * start timeout plus one attempt, which the store's own timeouts bound (see the store's "Bounded
   * waits"). A failure that cannot pass (the store refused for good) is thrown at once. After any
   * of these {@code start()} may be called again; nothing was started.
   */
  public void start() {
    long deadline = System.nanoTime() + startTimeout.toNanos();
    long pauseNanos = START_FIRST_PAUSE_NANOS;
    for (int attempt = 1; ; attempt++) {
      try {
        engine.start();
        return;
      } catch (StoreException e) {
        long left = deadline - System.nanoTime();
        if (!e.isRetryable() || left <= 0) {
          throw e;
        }
        if (attempt == 1) {
          log.warn(
              "Persistent Timers cannot start yet; retrying for up to {}: {}",
              startTimeout,
              e.toString());
        } else {
          log.debug("Start attempt {} failed: {}", attempt, e.toString());
        }
        LockSupport.parkNanos(Math.min(pauseNanos, left));
        if (Thread.interrupted()) {
          Thread.currentThread().interrupt();
          throw e;
        }
        pauseNanos = Math.min(2 * pauseNanos, START_MAX_PAUSE_NANOS);
      }
    }
  }

  private static final long START_FIRST_PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
  private static final long START_MAX_PAUSE_NANOS = TimeUnit.SECONDS.toNanos(2);
  private static final Logger log = LoggerFactory.getLogger(PersistentTimer.class);

  /**
   * Stops firing and releases the threads this timer created, waiting up to the shutdown timeout
   * for running callbacks, then the store's engine lock, so another engine may start. Every record
   * stays in the store. Idempotent.
   */
  @Override
  public void close() {
    engine.close();
  }

  private Instant now() {
    return engine.clock().instant();
  }

  /** Configures a {@link PersistentTimer}. Every setting has a sensible default. */
  public static final class Builder {
    private final Store store;
    private final CallbackRegistry registry = CallbackRegistry.create();
    private final ParamsBinder binder = new ParamsBinder();
    private InstantSource clock = InstantSource.system();
    private DelayScheduler scheduler;
    private Executor workers;
    private int workerThreads = 16;
    private Duration horizon = Duration.ofMinutes(5);
    private int maxArmed = 100_000;
    private Duration overdueThreshold = Duration.ofMinutes(1);
    private int overdueFiresPerSecond = 500;
    private RetryPolicy defaultRetry = RetryPolicy.DEFAULT;
    private OverduePolicy defaultOverdueOnce = OverduePolicy.FIRE_NOW;
    private OverduePolicy defaultOverdueRecurring = OverduePolicy.COALESCE;
    private Duration cleanupInterval = Duration.ofHours(1);
    private Duration failedRetention = Duration.ofDays(30);
    private boolean allowUnregistered;
    private int maxParamsBytes = 64 * 1024;
    private Duration shutdownTimeout = Duration.ofSeconds(10);
    private Duration slowCallbackThreshold = Duration.ofSeconds(30);
    private final java.util.Map<String, Duration> callbackTimeouts = new java.util.HashMap<>();
    private Duration startTimeout = Duration.ofSeconds(30);
    private int maxBatch = 500;
    private int maxAsyncInFlight = 10_000;
    private MultiNode multiNode;
    private final List<TimerListener> listeners = new ArrayList<>();
    private final List<CallbackInterceptor> interceptors = new ArrayList<>();
    private boolean participantIdInMdc;
    private FailureLogging failureLogging = FailureLogging.DEFAULT;
    private DoubleSupplier random = () -> ThreadLocalRandom.current().nextDouble();

    private Builder(Store store) {
      this.store = requireNonNull(store, "store");
    }

    /**
     * Registers a callback whose params arrive bound to {@code paramsType} (Jackson, unknown
     * properties ignored; see {@link #objectMapper}). Params that do not bind move the timer to
     * {@link TimerStatus#QUARANTINED} with the reason, naming the type and the JSON path, never the
     * content.
     *
     * <pre>{@code
     * record Reminder(String text) {}
     * builder.register("reminder", Reminder.class, (ctx, reminder) -> send(ctx.participantId(), reminder.text()));
     * }</pre>
     *
     * @param <T> the params' type
     * @param callbackType the stable name timers of this type are scheduled under
     * @param paramsType the type the params JSON is bound to
     * @param callback runs with the bound params
     * @return this builder
     * @throws IllegalArgumentException when the type is already registered
     */
    public <T> Builder register(
        String callbackType, Class<T> paramsType, TypedCallback<T> callback) {
      return register(callbackType, binder.factory(paramsType, callback));
    }

    /**
     * The host's own Jackson {@link com.fasterxml.jackson.databind.ObjectMapper} (its modules,
     * naming strategy, date handling), used to bind the params of typed callbacks. Default: a
     * mapper with the JSR-310 module that ignores unknown properties.
     *
     * @param mapper the host's mapper
     * @return this builder
     */
    public Builder objectMapper(com.fasterxml.jackson.databind.ObjectMapper mapper) {
      binder.mapper(mapper);
      return this;
    }

    /**
     * Registers the factory that rebuilds timers of {@code callbackType}.
     *
     * @param callbackType the stable name timers of this type are scheduled under
     * @param factory makes the callback for each timer of this type
     * @return this builder
     */
    public Builder register(String callbackType, CallbackFactory factory) {
      registry.register(callbackType, factory);
      return this;
    }

    /**
     * Where time comes from; default the system clock. Tests pass a manual clock. In multi-node
     * mode the time left on a lease is measured with the system's monotonic clock, which wall-clock
     * steps cannot move, when this is the system clock (in any zone), and with this clock itself
     * otherwise.
     *
     * @param clock the source of the current instant
     * @return this builder
     */
    public Builder clock(InstantSource clock) {
      this.clock = requireNonNull(clock, "clock");
      return this;
    }

    /**
     * How the engine waits; default a single daemon thread owned (and shut down) by the timer.
     * Tests pass a manual scheduler. In multi-node mode lease renewal runs on a daemon thread of
     * its own by default; with a scheduler given here it runs on the scheduler's callback instead
     * (a manual scheduler stays deterministic), never on the workers.
     *
     * @param scheduler runs the engine's delayed tasks
     * @return this builder
     */
    public Builder scheduler(DelayScheduler scheduler) {
      this.scheduler = requireNonNull(scheduler, "scheduler");
      return this;
    }

    /**
     * Where callbacks and store I/O run; default an owned pool of {@link #workerThreads}.
     *
     * @param workers the host's executor; the host shuts it down
     * @return this builder
     */
    public Builder workers(Executor workers) {
      this.workers = requireNonNull(workers, "workers");
      return this;
    }

    /**
     * Size of the owned worker pool; default 16. Callbacks usually wait on I/O (sending a message),
     * so the pool is sized for concurrent waits, not for cores. In multi-node mode a node claims no
     * more timers than this many workers can start while the lease is safe (see {@link MultiNode});
     * with {@link #workers(Executor)} set, this still tells how many callbacks the host's executor
     * runs at once.
     *
     * @param threads the pool size, 1..1024
     * @return this builder
     */
    public Builder workerThreads(int threads) {
      requireArgument(
          threads >= 1 && threads <= 1024, "workerThreads must be in 1..1024: %s", threads);
      this.workerThreads = threads;
      return this;
    }

    /**
     * Only timers due within this window are held in memory; the rest stay in the store. Default
     * five minutes; loads run every half horizon.
     *
     * @param horizon the window, between 2 seconds and 1 day
     * @return this builder
     */
    public Builder horizon(Duration horizon) {
      requireNonNull(horizon, "horizon");
      requireArgument(
          horizon.compareTo(Duration.ofSeconds(2)) >= 0
              && horizon.compareTo(Duration.ofDays(1)) <= 0,
          "horizon must be between 2 seconds and 1 day: %s",
          horizon);
      this.horizon = horizon;
      return this;
    }

    /**
     * At most this many timers are loaded into memory by one load; default 100,000.
     *
     * @param maxArmed at least 1
     * @return this builder
     */
    public Builder maxArmed(int maxArmed) {
      requireArgument(maxArmed >= 1, "maxArmed must be >= 1: %s", maxArmed);
      this.maxArmed = maxArmed;
      return this;
    }

    /**
     * A timer found later than this past its due time is overdue; default one minute.
     *
     * @param threshold not negative
     * @return this builder
     */
    public Builder overdueThreshold(Duration threshold) {
      requireNonNull(threshold, "overdueThreshold");
      requireArgument(!threshold.isNegative(), "overdueThreshold must be >= 0: %s", threshold);
      this.overdueThreshold = threshold;
      return this;
    }

    /**
     * Overdue timers found by a load fire at most this many per second, so a restart with a large
     * backlog does not stampede the host; 0 fires them all at once. Default 500.
     *
     * @param perSecond 0..1,000,000; 0 for no limit
     * @return this builder
     */
    public Builder overdueFiresPerSecond(int perSecond) {
      requireArgument(
          perSecond >= 0 && perSecond <= 1_000_000,
          "overdueFiresPerSecond must be in 0..1000000: %s",
          perSecond);
      this.overdueFiresPerSecond = perSecond;
      return this;
    }

    /**
     * Retry policy of timers that do not set their own; default {@link RetryPolicy#DEFAULT}.
     *
     * @param policy the default retry policy
     * @return this builder
     */
    public Builder defaultRetry(RetryPolicy policy) {
      this.defaultRetry = requireNonNull(policy, "defaultRetry");
      return this;
    }

    /**
     * Overdue policies of timers that do not set their own; defaults {@link OverduePolicy#FIRE_NOW}
     * (one-shot) and {@link OverduePolicy#COALESCE} (recurring).
     *
     * @param oneShot the policy of one-shot timers
     * @param recurring the policy of recurring timers
     * @return this builder
     */
    public Builder defaultOverdue(OverduePolicy oneShot, OverduePolicy recurring) {
      this.defaultOverdueOnce = requireNonNull(oneShot, "oneShot");
      this.defaultOverdueRecurring = requireNonNull(recurring, "recurring");
      return this;
    }

    /**
     * How often expired and long-failed timers are deleted; default hourly.
     *
     * @param interval at least one second
     * @return this builder
     */
    public Builder cleanupInterval(Duration interval) {
      requireNonNull(interval, "cleanupInterval");
      requireArgument(
          interval.compareTo(Duration.ofSeconds(1)) >= 0,
          "cleanupInterval must be >= 1s: %s",
          interval);
      this.cleanupInterval = interval;
      return this;
    }

    /**
     * FAILED timers are kept this long for inspection, then cleaned up; default 30 days.
     *
     * @param retention not negative
     * @return this builder
     */
    public Builder failedRetention(Duration retention) {
      requireNonNull(retention, "failedRetention");
      requireArgument(!retention.isNegative(), "failedRetention must be >= 0: %s", retention);
      this.failedRetention = retention;
      return this;
    }

    /**
     * Accept schedule calls for callback types that are not registered (yet). Off by default.
     *
     * @return this builder
     */
    public Builder allowUnregisteredCallbackTypes() {
      this.allowUnregistered = true;
      return this;
    }

    /**
     * Largest params JSON accepted, in UTF-8 bytes; default 64 KiB.
     *
     * @param bytes 2 bytes to 16 MiB
     * @return this builder
     */
    public Builder maxParamsBytes(int bytes) {
      requireArgument(
          bytes >= 2 && bytes <= 16 * 1024 * 1024, "maxParamsBytes must be in 2..16MiB: %s", bytes);
      this.maxParamsBytes = bytes;
      return this;
    }

    /**
     * A callback running longer than this is reported once: a WARN with the timer id and callback
     * type, and {@link TimerListener#onSlowCallback}. It goes on running. Default 30 seconds.
     *
     * @param threshold at least 1 ms
     * @return this builder
     */
    public Builder slowCallbackThreshold(Duration threshold) {
      requireNonNull(threshold, "slowCallbackThreshold");
      requireArgument(
          threshold.compareTo(Duration.ofMillis(1)) >= 0,
          "slowCallbackThreshold must be at least 1 ms: %s",
          threshold);
      this.slowCallbackThreshold = threshold;
      return this;
    }

    /**
     * Interrupts a callback of {@code callbackType} that runs longer than {@code timeout}, and
     * counts its run as a failed attempt (retried per the timer's {@link RetryPolicy}). Java cannot
     * stop a thread: a callback that ignores interruption keeps its worker until it returns, and
     * its run still counts as timed out. No timeout unless set.
     *
     * @param callbackType the callback type the timeout applies to
     * @param timeout at least 1 ms
     * @return this builder
     */
    public Builder callbackTimeout(String callbackType, Duration timeout) {
      io.persistenttimers.internal.Checks.requireText(
          callbackType, "callbackType", TimerRecord.MAX_NAME_LENGTH);
      requireNonNull(timeout, "timeout");
      requireArgument(
          timeout.compareTo(Duration.ofMillis(1)) >= 0,
          "timeout must be at least 1 ms: %s",
          timeout);
      callbackTimeouts.put(callbackType, timeout);
      return this;
    }

    /**
     * How long {@link #close()} waits for running callbacks; default 10 seconds.
     *
     * @param timeout not negative
     * @return this builder
     */
    public Builder shutdownTimeout(Duration timeout) {
      requireNonNull(timeout, "shutdownTimeout");
      requireArgument(!timeout.isNegative(), "shutdownTimeout must be >= 0: %s", timeout);
      this.shutdownTimeout = timeout;
      return this;
    }

    /**
     * How long {@link PersistentTimer#start()} keeps trying while the store is unreachable or busy
     * before it throws; default 30 seconds. {@link Duration#ZERO} tries once. Measured in elapsed
     * real time (not by the timer's clock), like the store's own timeouts.
     *
     * @param timeout not negative
     * @return this builder
     */
    public Builder startTimeout(Duration timeout) {
      requireNonNull(timeout, "startTimeout");
      requireArgument(!timeout.isNegative(), "startTimeout must be >= 0: %s", timeout);
      this.startTimeout = timeout;
      return this;
    }

    /**
     * Most {@link PersistentTimer#scheduleAsync} futures incomplete at once; default 10,000. A call
     * beyond it blocks until one completes, so a feeder cannot queue more than the store keeps up
     * with.
     *
     * @param maxInFlight 1..1,000,000
     * @return this builder
     */
    public Builder maxAsyncInFlight(int maxInFlight) {
      requireArgument(
          maxInFlight >= 1 && maxInFlight <= 1_000_000,
          "maxAsyncInFlight must be in 1..1000000: %s",
          maxInFlight);
      this.maxAsyncInFlight = maxInFlight;
      return this;
    }

    /**
     * Most writes committed together in one store transaction (group commit of concurrent schedule
     * calls and completions); default 500. 1 turns group commit off.
     *
     * @param maxBatch 1..10,000
     * @return this builder
     */
    public Builder maxBatch(int maxBatch) {
      requireArgument(
          maxBatch >= 1 && maxBatch <= 10_000, "maxBatch must be in 1..10000: %s", maxBatch);
      this.maxBatch = maxBatch;
      return this;
    }

    /**
     * Runs this timer as one of several nodes sharing the store, which must implement {@link
     * io.persistenttimers.spi.ClaimingStore} (PostgreSQL). See {@link MultiNode}.
     *
     * @param multiNode this node's id and lease settings
     * @return this builder
     */
    public Builder multiNode(MultiNode multiNode) {
      this.multiNode = requireNonNull(multiNode, "multiNode");
      return this;
    }

    /**
     * Receives events for metrics and logging. May be called more than once: every listener
     * receives every event, in the order they were added.
     *
     * @param listener the listener
     * @return this builder
     */
    public Builder listener(TimerListener listener) {
      listeners.add(requireNonNull(listener, "listener"));
      return this;
    }

    /**
     * Runs {@code interceptor} around every callback run (see {@link CallbackInterceptor}). May be
     * called more than once; they run in the order added.
     *
     * @param interceptor the interceptor
     * @return this builder
     */
    public Builder interceptor(CallbackInterceptor interceptor) {
      interceptors.add(requireNonNull(interceptor, "interceptor"));
      return this;
    }

    /**
     * Whether the SLF4J MDC carries {@code participantId} while a callback runs. The MDC always
     * carries {@code timerId}, {@code callbackType} and {@code attempt} then (and is put back as it
     * was afterwards); the participant id is left out by default because it may identify a person
     * and log lines travel further than the store.
     *
     * @param include true to add {@code participantId} to the MDC
     * @return this builder
     */
    public Builder participantIdInMdc(boolean include) {
      this.participantIdInMdc = include;
      return this;
    }

    /**
     * How failed callback attempts are logged; default {@link FailureLogging#DEFAULT} (WARN, no
     * stack trace). Messages never reach these lines (see {@link FailureLogging}).
     *
     * @param failureLogging level and stack trace
     * @return this builder
     */
    public Builder failureLogging(FailureLogging failureLogging) {
      this.failureLogging = requireNonNull(failureLogging, "failureLogging");
      return this;
    }

    /**
     * Source of the retry jitter, uniform in [0, 1); tests fix it.
     *
     * @param random returns values in [0, 1)
     * @return this builder
     */
    public Builder random(DoubleSupplier random) {
      this.random = requireNonNull(random, "random");
      return this;
    }

    /**
     * Builds the timer; call {@link PersistentTimer#start()} to recover stored timers and begin
     * firing.
     *
     * @return a timer that is not started yet
     * @throws IllegalArgumentException when multi-node mode is set on a store that is not a {@link
     *     io.persistenttimers.spi.ClaimingStore}
     */
    public PersistentTimer build() {
      requireArgument(
          multiNode == null || store instanceof io.persistenttimers.spi.ClaimingStore,
          "multi-node mode needs a store that implements ClaimingStore (such as PostgresStore): %s",
          store.getClass().getName());
      EngineConfig config =
          new EngineConfig(
              horizon,
              maxArmed,
              overdueThreshold,
              overdueFiresPerSecond,
              defaultRetry,
              defaultOverdueOnce,
              defaultOverdueRecurring,
              cleanupInterval,
              failedRetention,
              allowUnregistered,
              maxParamsBytes,
              shutdownTimeout,
              maxBatch,
              workerThreads,
              slowCallbackThreshold,
              callbackTimeouts,
              interceptors,
              participantIdInMdc,
              failureLogging,
              maxAsyncInFlight);
      ThreadPools pools =
          new ThreadPools(scheduler, workers, workerThreads, shutdownTimeout, multiNode != null);
      Engine engine =
          new Engine(
              store,
              registry,
              clock,
              pools.scheduler(),
              pools.workers(),
              TimerListeners.of(listeners),
              config,
              random,
              pools,
              multiNode,
              pools.renewals(),
              pools.io(),
              Ticker.of(clock));
      return new PersistentTimer(
          engine, new NewTimers(registry, config), store, startTimeout, binder);
    }
  }
}
