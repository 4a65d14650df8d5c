package io.persistenttimers.testkit;

import java.util.ArrayDeque;
import java.util.Queue;
import java.util.concurrent.Executor;

/**
 * Workers that are all busy until the test says otherwise: tasks wait in a queue and run, in order
 * and on the test's thread, only inside {@link #runAll}.
 */
public final class ManualExecutor implements Executor {
  private final Queue<Runnable> queue = new ArrayDeque<>();

  @Override
  public synchronized void execute(Runnable task) {
    queue.add(task);
  }

  /** Tasks waiting. */
  public synchronized int queued() {
    return queue.size();
  }

  /** Runs every waiting task, and the tasks those tasks submit, until none is left. */
  public int runAll() {
    int ran = 0;
    while (true) {
      Runnable next;
      synchronized (this) {
        next = queue.poll();
      }
      if (next == null) {
        return ran;
      }
      next.run();
      ran++;
    }
  }
}
