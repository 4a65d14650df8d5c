package io.persistenttimers.store.sqlite;

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

    assertThatThrownBy(() -> store.deleteByParticipant(EMAIL, "coaching"))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining("delete the timers of a participant of flow type 'coaching'")
        .hasMessageNotContaining(EMAIL);
    assertThatThrownBy(() -> store.listByParticipant(EMAIL))
        .isInstanceOf(StoreException.class)
        .hasMessageNotContaining(EMAIL);
    assertThatThrownBy(() -> store.count(TimerQuery.all().participant(EMAIL)))
        .isInstanceOf(StoreException.class)
        .hasMessageNotContaining(EMAIL);
  }
}
