package io.persistenttimers.store.memory;

import io.persistenttimers.spi.Store;
import io.persistenttimers.testkit.StoreContract;

class MemoryStoreTest extends StoreContract {
  @Override
  protected Store newStore() {
    return new MemoryStore();
  }
}
