package io.persistenttimers.store.postgres;

import static io.persistenttimers.testkit.Records.T0;
import static io.persistenttimers.testkit.Records.record;
import static io.persistenttimers.testkit.Stores.insert;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.UUID;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Schema names are PostgreSQL identifiers: at most 63 bytes of UTF-8. A name beyond that is refused
 * when the store is configured, and a name within it works with notifications too.
 */
class PostgresSchemaNameTest {

  /** 26 two-byte letters and 8 ASCII ones: 60 bytes, 34 characters, unique per run. */
  private final String longSchema =
      "é".repeat(26) + UUID.randomUUID().toString().replace("-", "").substring(0, 8);

  @AfterEach
  void drop() {
    PgTestSupport.dropSchema(longSchema);
  }

  @Test
  void sixtyByteSchema_withNotifications_insertsAndWakesListeners() throws Exception {
    assertThat(longSchema.getBytes(StandardCharsets.UTF_8)).hasSize(60);
    Semaphore wakes = new Semaphore(0);
    try (PostgresStore store =
            PostgresStore.builder(PgTestSupport.URL)
                .schema(longSchema)
                .notifyOnInsert(true)
                .poolSize(2)
                .build();
        AutoCloseable listening = store.listen(wakes::release)) {
      assertThat(wakes.tryAcquire(30, TimeUnit.SECONDS)).as("listening").isTrue();

      assertThat(insert(store, record("a").due(T0).build())).isTrue();

      assertThat(store.get("a")).isPresent();
      assertThat(wakes.tryAcquire(30, TimeUnit.SECONDS)).as("notification received").isTrue();
    }
  }

  @Test
  void schemaBeyondSixtyThreeBytes_isRefusedAtConfiguration_andNothingIsCreated() {
    String tooLong = "é".repeat(40);

    assertThatThrownBy(() -> PostgresStore.builder(PgTestSupport.URL).schema(tooLong))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("schema must be at most 63 bytes in UTF-8")
        .hasMessageContaining("got 80");
    assertThat(
            PgTestSupport.queryString(
                "SELECT count(*) FROM pg_namespace WHERE nspname = '" + "é".repeat(31) + "'"))
        .isEqualTo("0");
  }

  @Test
  void schemaWithNulOrUnpairedSurrogate_isRefusedAtConfiguration() {
    assertThatThrownBy(() -> PostgresStore.builder(PgTestSupport.URL).schema("timers\u0000x"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("schema must not contain NUL or an unpaired surrogate: at index 6");
    assertThatThrownBy(() -> PostgresStore.builder(PgTestSupport.URL).schema("timers\uD800"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("schema must not contain NUL or an unpaired surrogate: at index 6");
  }

  @Test
  void channelName_isCutToSixtyThreeBytesAtACharacterBoundary() {
    assertThat(PostgresStore.channelName("timers")).isEqualTo("persistent_timers:timers");
    String ascii = "t".repeat(63);
    assertThat(PostgresStore.channelName(ascii))
        .isEqualTo(("persistent_timers:" + ascii).substring(0, 63));
    String accented = PostgresStore.channelName("é".repeat(30));
    assertThat(accented.getBytes(StandardCharsets.UTF_8)).hasSize(62);
    assertThat(accented).isEqualTo("persistent_timers:" + "é".repeat(22));
    String emoji = PostgresStore.channelName("😀".repeat(20));
    assertThat(emoji.getBytes(StandardCharsets.UTF_8)).hasSize(18 + 44);
    assertThat(Character.isHighSurrogate(emoji.charAt(emoji.length() - 1))).isFalse();
  }
}
