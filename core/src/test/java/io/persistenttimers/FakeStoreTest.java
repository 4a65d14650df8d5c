package io.persistenttimers;

import io.persistenttimers.spi.Store;
import io.persistenttimers.testkit.FakeStore;
import io.persistenttimers.testkit.StoreContract;

/** Core's own fake must be as faithful as a real store, or the engine tests prove nothing. */
class FakeStoreTest extends StoreContract {
  @Override
  protected Store newStore() {
    return new FakeStore();
  }
}
