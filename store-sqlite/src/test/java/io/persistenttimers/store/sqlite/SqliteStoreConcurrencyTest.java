package io.persistenttimers.store.sqlite;

import static io.persistenttimers.store.sqlite.Records.T0;
import static io.persistenttimers.store.sqlite.Records.once;
import static org.assertj.core.api.Assertions.assertThat;

import io.persistenttimers.TimerQuery;
import io.persistenttimers.TimerRecord;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Writers that do not share a lock: two stores on one file (as two processes would be), two threads
 * each. Only SQLite's own locking, IMMEDIATE transactions and the busy timeout keep them apart; no
 * update may be lost and no SQLITE_BUSY may reach a caller.
 */
class SqliteStoreConcurrencyTest {

  @TempDir Path dir;

  @Test
  void fourWritersOnTwoStores_loseNoUpdate_andNeverSeeBusy() throws Exception {
    Path file = dir.resolve("timers.db");
    int perThread = 25;
    try (SqliteStore first = SqliteStore.openOrCreate(file);
        SqliteStore second = SqliteStore.openOrCreate(file)) {
      first.insert(once("counter", "p", T0));
      List<SqliteStore> stores = List.of(first, second, first, second);
      ExecutorService pool = Executors.newFixedThreadPool(stores.size());
      try {
        CountDownLatch start = new CountDownLatch(1);
        List<Future<?>> done = new ArrayList<>();
        for (int t = 0; t < stores.size(); t++) {
          SqliteStore store = stores.get(t);
          int thread = t;
          done.add(
              pool.submit(
                  () -> {
                    start.await();
                    for (int i = 0; i < perThread; ) {
                      store.insert(once("t" + thread + "-" + i, "p" + thread, T0.plusMillis(i)));
                      TimerRecord current = store.get("counter").orElseThrow();
                      TimerRecord next =
                          io.persistenttimers.testkit.Records.rescheduled(
                              current,
                              current.nextFireAt().plusMillis(1),
                              current.attempt() + 1,
                              null,
                              null,
                              T0);
                      if (store.update(next, current.version())) {
                        i++;
                      }
                    }
                    return null;
                  }));
        }
        start.countDown();
        for (Future<?> f : done) {
          f.get(90, TimeUnit.SECONDS); // rethrows any StoreException, SQLITE_BUSY included
        }
      } finally {
        pool.shutdownNow();
      }
      int total = stores.size() * perThread;
      TimerRecord counter = second.get("counter").orElseThrow();
      assertThat(counter.attempt()).isEqualTo(total);
      assertThat(counter.version()).isEqualTo(1 + total);
      assertThat(first.count(TimerQuery.all())).isEqualTo(1 + total);
    }
  }
}
