package io.persistenttimers.spring;

import io.persistenttimers.PersistentTimer;
import org.springframework.context.SmartLifecycle;

/**
 * Starts the engine with the application context and stops it gracefully with it: running callbacks
 * get the shutdown timeout to finish, and every timer stays in the store either way. It starts
 * before the web server (in an earlier phase) and stops after it, so requests in flight can still
 * schedule.
 */
final class PersistentTimersLifecycle implements SmartLifecycle {
  /** Before the web server's phase, so it is stopped after it. */
  static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 2048;

  private final PersistentTimer timer;
  private volatile boolean running;

  PersistentTimersLifecycle(PersistentTimer timer) {
    this.timer = timer;
  }

  @Override
  public void start() {
    timer.start();
    running = true;
  }

  @Override
  public void stop() {
    running = false;
    timer.close();
  }

  @Override
  public boolean isRunning() {
    return running;
  }

  @Override
  public int getPhase() {
    return PHASE;
  }
}
