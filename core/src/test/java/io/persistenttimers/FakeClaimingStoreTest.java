package io.persistenttimers;

import io.persistenttimers.spi.Store;
import io.persistenttimers.testkit.FakeClaimingStore;
import io.persistenttimers.testkit.Records;
import io.persistenttimers.testkit.StoreContract;
import java.time.InstantSource;

/** The leasing fake is a faithful plain store too, or the multi-node engine tests prove nothing. */
class FakeClaimingStoreTest extends StoreContract {
  @Override
  protected Store newStore() {
    return new FakeClaimingStore(InstantSource.fixed(Records.T0));
  }

  @Override
  protected boolean supportsMultiNode() {
    return true;
  }
}
