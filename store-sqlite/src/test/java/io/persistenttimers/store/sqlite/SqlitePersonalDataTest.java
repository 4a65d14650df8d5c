package io.persistenttimers.store.sqlite;

import static io.persistenttimers.testkit.Stores.removeParticipant;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.persistenttimers.StoreException;
import io.persistenttimers.TimerQuery;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A participant id may be personal data (an e-mail address): no store message carries it. */
class SqlitePersonalDataTest {
  private static final String EMAIL = "ana.silva@example.org";

  @TempDir Path dir;

  @Test
  void failuresOfParticipantOperations_nameTheOperation_neverTheParticipant() {
    SqliteStore store = SqliteStore.openOrCreate(dir.resolve("timers.db"));
    store.close();

    assertThatThrownBy(() -> removeParticipant(store, EMAIL, "coaching"))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining("remove timers")
        .hasMessageNotContaining(EMAIL);
    assertThatThrownBy(() -> store.list(TimerQuery.all().participant(EMAIL)))
        .isInstanceOf(StoreException.class)
        .hasMessageNotContaining(EMAIL);
    assertThatThrownBy(() -> store.count(TimerQuery.all().participant(EMAIL)))
        .isInstanceOf(StoreException.class)
        .hasMessageNotContaining(EMAIL);
  }
}
