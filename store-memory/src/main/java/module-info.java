/** An in-memory store for tests and hosts that need no durability across restarts. */
module io.persistenttimers.store.memory {
  requires transitive io.persistenttimers;

  exports io.persistenttimers.store.memory;
}
