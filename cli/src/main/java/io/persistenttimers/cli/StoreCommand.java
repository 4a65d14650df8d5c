package io.persistenttimers.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.persistenttimers.spi.Store;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.concurrent.Callable;
import java.util.function.Function;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * What every operator command shares: the store options, a way to print, and "now". They use only
 * the {@link Store} API and a never-started timer — no engine runs and no callback needs to be
 * registered — so they work on timers of any type, also while hosts run (a host re-reads a timer
 * before it fires, so a timer cancelled here does not fire there). "Now" is always the wall clock.
 */
abstract class StoreCommand implements Callable<Integer> {

  static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  @Mixin StoreOptions storeOptions;
  @Spec CommandSpec spec;

  PrintWriter out() {
    return spec.commandLine().getOut();
  }

  PrintWriter err() {
    return spec.commandLine().getErr();
  }

  Instant now() {
    return Instant.now();
  }

  <T> T withStore(Function<Store, T> action) {
    try (Store store = storeOptions.open()) {
      return action.apply(store);
    }
  }

  /** The timer with this id, or exit 1 with a message naming it. */
  static io.persistenttimers.TimerRecord existing(Store store, String id) {
    return store
        .get(id)
        .orElseThrow(
            () ->
                new Failure(Failure.NOT_FOUND, "no timer with id '" + TextTable.visible(id) + "'"));
  }

  void printJson(Object value) {
    try {
      out().println(JSON.writeValueAsString(value));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write JSON: " + e.getOriginalMessage(), e);
    }
  }
}
