package io.persistenttimers;

import io.persistenttimers.spi.ClaimingStore;
import io.persistenttimers.testkit.ClaimingStoreContract;
import io.persistenttimers.testkit.FakeClaimingStore;
import io.persistenttimers.testkit.ManualClock;
import io.persistenttimers.testkit.Records;

/** The multi-node engine tests run on this fake: it must keep the lease contract. */
class FakeClaimingStoreTest extends ClaimingStoreContract {
  private FakeClaimingStore fake;

  @Override
  protected ClaimingStore createStore() {
    fake = new FakeClaimingStore(new ManualClock(Records.T0));
    return fake;
  }

  @Override
  protected void expireLease(String id) {
    fake.expireLease(id);
  }
}
