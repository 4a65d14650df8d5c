package io.persistenttimers.testkit;

import java.util.ArrayDeque;
import java.util.concurrent.Executor;

/**
 * A worker pool that runs nothing until told: tests use it to stop the engine between two of its
 * steps (the re-read before firing and the callback itself) and act in between.
 */
public final class ManualExecutor implements Executor {
  private final ArrayDeque<Runnable> queue = new ArrayDeque<>();
  private boolean direct;

  @Override
  public void execute(Runnable task) {
    synchronized (this) {
      if (!direct) {
        queue.add(task);
        return;
      }
    }
    task.run();
  }

  /** Runs what waits, then every later task at once on the calling thread, as an inline pool. */
  public void runDirectlyFromNowOn() {
    synchronized (this) {
      direct = true;
    }
    runAll();
  }

  /** Runs the oldest waiting task; false when none waits. */
  public boolean runNext() {
    Runnable next;
    synchronized (this) {
      next = queue.poll();
    }
    if (next == null) {
      return false;
    }
    next.run();
    return true;
  }

  /** Runs tasks, including the ones they queue, until none waits; returns how many ran. */
  public int runAll() {
    int ran = 0;
    while (runNext()) {
      ran++;
    }
    return ran;
  }

  /** Tasks waiting. */
  public synchronized int queued() {
    return queue.size();
  }
}
