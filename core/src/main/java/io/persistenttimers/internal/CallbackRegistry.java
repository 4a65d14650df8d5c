package io.persistenttimers.internal;

import static io.persistenttimers.internal.Checks.requireArgument;
import static io.persistenttimers.internal.Checks.requireNonNull;
import static io.persistenttimers.internal.Checks.requireText;

import io.persistenttimers.CallbackFactory;
import io.persistenttimers.TimerRecord;
import java.util.Collections;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Callback type → {@link CallbackFactory}. Types can be added while timers run (a timer whose type
 * is not registered yet waits, and fires once it is), but never replaced: registering a type twice
 * is refused. Thread-safe.
 */
public final class CallbackRegistry {
  private final ConcurrentMap<String, CallbackFactory> factories = new ConcurrentHashMap<>();

  /**
   * An empty registry.
   *
   * @return a new registry
   */
  public static CallbackRegistry create() {
    return new CallbackRegistry();
  }

  /**
   * Adds a factory for {@code callbackType}.
   *
   * @param callbackType the stable name
   * @param factory makes the callback for each timer of this type
   * @return this registry
   * @throws IllegalArgumentException when the type is blank or already registered
   */
  public CallbackRegistry register(String callbackType, CallbackFactory factory) {
    requireText(callbackType, "callbackType", TimerRecord.MAX_NAME_LENGTH);
    requireNonNull(factory, "factory");
    CallbackFactory previous = factories.putIfAbsent(callbackType, factory);
    requireArgument(previous == null, "callbackType '%s' is already registered", callbackType);
    return this;
  }

  /**
   * The factory for {@code callbackType}, if registered.
   *
   * @param callbackType the callback type
   * @return the factory, or empty
   */
  public Optional<CallbackFactory> find(String callbackType) {
    return Optional.ofNullable(factories.get(callbackType));
  }

  /**
   * True when {@code callbackType} has a factory.
   *
   * @param callbackType the callback type
   * @return whether it is registered
   */
  public boolean contains(String callbackType) {
    return factories.containsKey(callbackType);
  }

  /**
   * The registered types, sorted.
   *
   * @return an unmodifiable sorted copy of the registered types
   */
  public Set<String> types() {
    return Collections.unmodifiableSet(new TreeSet<>(factories.keySet()));
  }
}
