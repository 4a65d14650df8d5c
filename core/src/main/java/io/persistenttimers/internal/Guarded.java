package io.persistenttimers.internal;

import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * User code and store failures can never kill an engine thread: every task handed to an executor
 * goes through {@link #guarded}, which reports the failure and lets the engine go on.
 */
final class Guarded {
  private static final Logger log = LoggerFactory.getLogger("io.persistenttimers.PersistentTimer");

  private Guarded() {}

  static Runnable guarded(String what, Runnable task) {
    return () -> {
      try {
        task.run();
      } catch (Throwable t) {
        log.error("Persistent Timers: unexpected failure in {}", what, t);
      }
    };
  }

  /** Runs {@code task} on {@code executor}, guarded; does nothing once the executor shut down. */
  static void execute(Executor executor, String what, Runnable task) {
    try {
      executor.execute(guarded(what, task));
    } catch (RejectedExecutionException e) {
      log.debug("Not running {}: its executor is shut down", what);
    }
  }

  /** The class and message of a failure, for a stored reason (never for a log line above DEBUG). */
  static String describe(Throwable error) {
    String message = error.getMessage();
    return message == null
        ? error.getClass().getName()
        : error.getClass().getName() + ": " + message;
  }
}
