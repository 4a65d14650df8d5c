package io.persistenttimers.spring;

import io.persistenttimers.StoreInUseException;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Explains a start refused because another engine runs on the store: two application instances on
 * one database without multi-node mode would fire every timer twice.
 */
final class StoreInUseFailureAnalyzer extends AbstractFailureAnalyzer<StoreInUseException> {

  @Override
  protected FailureAnalysis analyze(Throwable rootFailure, StoreInUseException cause) {
    return new FailureAnalysis(
        "Persistent Timers could not start: another engine runs on the same timer store ("
            + cause.getMessage()
            + "). Two engines on one store without multi-node mode would fire timers twice, so"
            + " the second one is refused.",
        "If several instances of this application share the database, set"
            + " persistent-timers.multi-node.enabled=true on every instance (each gets its own"
            + " node id, host name and process id by default). Otherwise stop the other process,"
            + " or give this one its own store (persistent-timers.store.schema).",
        cause);
  }
}
