package io.persistenttimers.internal;

import static io.persistenttimers.testkit.Records.record;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.persistenttimers.StoreException;
import io.persistenttimers.spi.Store;
import io.persistenttimers.spi.Write;
import io.persistenttimers.testkit.FakeStore;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class GroupCommitTest {

  /** Records the size of every batch; the first batch can be held open with a latch. */
  private static final class BatchRecorder {
    final FakeStore real = new FakeStore();
    final List<Integer> batches = Collections.synchronizedList(new ArrayList<>());
    final CountDownLatch firstEntered = new CountDownLatch(1);
    final CountDownLatch releaseFirst = new CountDownLatch(1);
    volatile String poison;

    /** When set, every batch after the first waits this long (a store timing out), then fails. */
    volatile Duration timeOutLaterBatches;

    final StoreException timedOut = new StoreException("injected: connection timed out");

    Store store() {
      return (Store)
          Proxy.newProxyInstance(
              Store.class.getClassLoader(),
              new Class<?>[] {Store.class},
              (proxy, method, args) -> {
                if (method.getName().equals("writeAll")) {
                  @SuppressWarnings("unchecked")
                  List<Write> writes = (List<Write>) args[0];
                  batches.add(writes.size());
                  if (batches.size() == 1) {
                    firstEntered.countDown();
                    releaseFirst.await(30, TimeUnit.SECONDS);
                  } else if (timeOutLaterBatches != null) {
                    // The store waits for an answer that never comes, then gives up.
                    new CountDownLatch(1)
                        .await(timeOutLaterBatches.toMillis(), TimeUnit.MILLISECONDS);
                    throw timedOut;
                  }
                  if (poison != null && writes.stream().anyMatch(w -> w.id().equals(poison))) {
                    throw new StoreException("refused " + poison, null, false);
                  }
                  return real.writeAll(writes);
                }
                return method.invoke(real, args);
              });
    }
  }

  @Test
  void writersArrivingDuringACommit_shareTheNextTransaction_andEachReturnsAfterItsWrite()
      throws Exception {
    BatchRecorder recorder = new BatchRecorder();
    GroupCommit commit = new GroupCommit(recorder.store(), 500);
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      Future<Boolean> first =
          pool.submit(() -> commit.write(new Write.Insert(record("t0").build())));
      assertThat(recorder.firstEntered.await(30, TimeUnit.SECONDS)).isTrue();
      List<Thread> followers = Collections.synchronizedList(new ArrayList<>());
      List<Future<Boolean>> rest = new ArrayList<>();
      for (int i = 1; i < 8; i++) {
        String id = "t" + i;
        rest.add(
            pool.submit(
                () -> {
                  followers.add(Thread.currentThread());
                  boolean stored = commit.write(new Write.Insert(record(id).build()));
                  // Durable on return: the write is in the store before the call comes back.
                  assertThat(recorder.real.get(id)).isPresent();
                  return stored;
                }));
      }
      awaitAllWaiting(followers, 7);

      recorder.releaseFirst.countDown();

      assertThat(first.get(30, TimeUnit.SECONDS)).isTrue();
      for (Future<Boolean> f : rest) {
        assertThat(f.get(30, TimeUnit.SECONDS)).isTrue();
      }
      assertThat(recorder.batches).containsExactly(1, 7);
      assertThat(recorder.real.list()).hasSize(8);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aFailingWriteInABatch_failsOnlyItsOwnCaller() throws Exception {
    BatchRecorder recorder = new BatchRecorder();
    recorder.poison = "bad";
    GroupCommit commit = new GroupCommit(recorder.store(), 500);
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      Future<Boolean> first =
          pool.submit(() -> commit.write(new Write.Insert(record("t0").build())));
      assertThat(recorder.firstEntered.await(30, TimeUnit.SECONDS)).isTrue();
      List<Thread> followers = Collections.synchronizedList(new ArrayList<>());
      List<Future<Boolean>> rest = new ArrayList<>();
      for (String id : List.of("good-1", "bad", "good-2")) {
        rest.add(
            pool.submit(
                () -> {
                  followers.add(Thread.currentThread());
                  return commit.write(new Write.Insert(record(id).build()));
                }));
      }
      awaitAllWaiting(followers, 3);
      recorder.releaseFirst.countDown();

      assertThat(first.get(30, TimeUnit.SECONDS)).isTrue();
      assertThat(rest.get(0).get(30, TimeUnit.SECONDS)).isTrue();
      assertThatThrownBy(() -> rest.get(1).get(30, TimeUnit.SECONDS))
          .hasCauseInstanceOf(StoreException.class);
      assertThat(rest.get(2).get(30, TimeUnit.SECONDS)).isTrue();
      assertThat(recorder.real.get("bad")).isEmpty();
      assertThat(recorder.real.get("good-1")).isPresent();
      assertThat(recorder.real.get("good-2")).isPresent();
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aBatchTimingOut_failsAllItsCallersOnce_insteadOfRetryingEachAlone() throws Exception {
    BatchRecorder recorder = new BatchRecorder();
    Duration timeout = Duration.ofMillis(400);
    recorder.timeOutLaterBatches = timeout;
    GroupCommit commit = new GroupCommit(recorder.store(), 500);
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      Future<Boolean> first =
          pool.submit(() -> commit.write(new Write.Insert(record("t0").build())));
      assertThat(recorder.firstEntered.await(30, TimeUnit.SECONDS)).isTrue();
      List<Thread> followers = Collections.synchronizedList(new ArrayList<>());
      List<Future<Long>> rest = new ArrayList<>();
      long[] released = new long[1];
      for (int i = 1; i < 8; i++) {
        String id = "t" + i;
        rest.add(
            pool.submit(
                () -> {
                  followers.add(Thread.currentThread());
                  assertThatThrownBy(() -> commit.write(new Write.Insert(record(id).build())))
                      .isSameAs(recorder.timedOut);
                  return System.nanoTime();
                }));
      }
      awaitAllWaiting(followers, 7);
      released[0] = System.nanoTime();
      recorder.releaseFirst.countDown();

      assertThat(first.get(30, TimeUnit.SECONDS)).isTrue();
      for (Future<Long> f : rest) {
        f.get(30, TimeUnit.SECONDS);
      }
      // One store call (one timeout) for the whole batch of seven; retrying each alone made seven.
      // The count decides it; a wall-clock bound would only add load-dependent flakiness.
      assertThat(recorder.batches).containsExactly(1, 7);
      assertThat(recorder.real.list()).hasSize(1);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void writesQueuedBehindATimedOutBatch_failWithIt_withoutWaitingForTheirOwn() throws Exception {
    BatchRecorder recorder = new BatchRecorder();
    GroupCommit commit =
        new GroupCommit(
            (Store)
                Proxy.newProxyInstance(
                    Store.class.getClassLoader(),
                    new Class<?>[] {Store.class},
                    (proxy, method, args) -> {
                      if (method.getName().equals("writeAll")) {
                        recorder.batches.add(((List<?>) args[0]).size());
                        recorder.firstEntered.countDown();
                        recorder.releaseFirst.await(30, TimeUnit.SECONDS);
                        throw recorder.timedOut;
                      }
                      return method.invoke(recorder.real, args);
                    }),
            500);
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<?>> all = new ArrayList<>();
      all.add(pool.submit(() -> commit.write(new Write.Insert(record("t0").build()))));
      assertThat(recorder.firstEntered.await(30, TimeUnit.SECONDS)).isTrue();
      List<Thread> followers = Collections.synchronizedList(new ArrayList<>());
      for (int i = 1; i < 8; i++) {
        String id = "t" + i;
        all.add(
            pool.submit(
                () -> {
                  followers.add(Thread.currentThread());
                  return commit.write(new Write.Insert(record(id).build()));
                }));
      }
      awaitAllWaiting(followers, 7);
      recorder.releaseFirst.countDown();

      for (Future<?> f : all) {
        assertThatThrownBy(() -> f.get(30, TimeUnit.SECONDS)).hasCause(recorder.timedOut);
      }
      assertThat(recorder.batches).containsExactly(1);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aRefusedBatch_isRetriedWriteByWrite_untilTheStoreTimesOut_thenTheRestFailWithIt()
      throws Exception {
    BatchRecorder recorder = new BatchRecorder();
    List<Integer> calls = Collections.synchronizedList(new ArrayList<>());
    GroupCommit commit =
        new GroupCommit(
            (Store)
                Proxy.newProxyInstance(
                    Store.class.getClassLoader(),
                    new Class<?>[] {Store.class},
                    (proxy, method, args) -> {
                      if (method.getName().equals("writeAll")) {
                        List<?> writes = (List<?>) args[0];
                        calls.add(writes.size());
                        if (calls.size() == 1) {
                          recorder.firstEntered.countDown();
                          recorder.releaseFirst.await(30, TimeUnit.SECONDS);
                          return recorder.real.writeAll(List.of((Write) writes.get(0)));
                        }
                        if (calls.size() == 2) {
                          throw new StoreException("refused", null, false);
                        }
                        // The first write alone: the store has gone away meanwhile.
                        throw recorder.timedOut;
                      }
                      return method.invoke(recorder.real, args);
                    }),
            500);
    ExecutorService pool = Executors.newFixedThreadPool(5);
    try {
      Future<Boolean> first =
          pool.submit(() -> commit.write(new Write.Insert(record("t0").build())));
      assertThat(recorder.firstEntered.await(30, TimeUnit.SECONDS)).isTrue();
      List<Thread> followers = Collections.synchronizedList(new ArrayList<>());
      List<Future<Boolean>> rest = new ArrayList<>();
      for (int i = 1; i < 5; i++) {
        String id = "t" + i;
        rest.add(
            pool.submit(
                () -> {
                  followers.add(Thread.currentThread());
                  return commit.write(new Write.Insert(record(id).build()));
                }));
      }
      awaitAllWaiting(followers, 4);
      recorder.releaseFirst.countDown();

      assertThat(first.get(30, TimeUnit.SECONDS)).isTrue();
      for (Future<Boolean> f : rest) {
        assertThatThrownBy(() -> f.get(30, TimeUnit.SECONDS)).hasCause(recorder.timedOut);
      }
      // The batch of 4, then one write alone; the 3 others are not tried against a store away.
      assertThat(calls).containsExactly(1, 4, 1);
    } finally {
      pool.shutdownNow();
    }
  }

  /** Waits (bounded) until every follower is parked on the commit lock. */
  private static void awaitAllWaiting(List<Thread> threads, int count) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline) {
      synchronized (threads) {
        if (threads.size() == count
            && threads.stream().allMatch(t -> t.getState() == Thread.State.WAITING)) {
          return;
        }
      }
      Thread.onSpinWait();
    }
    throw new AssertionError("followers did not queue up in time");
  }
}
