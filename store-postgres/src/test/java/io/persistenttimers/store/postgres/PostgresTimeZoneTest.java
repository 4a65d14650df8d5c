package io.persistenttimers.store.postgres;

import static io.persistenttimers.testkit.Records.record;
import static io.persistenttimers.testkit.Stores.due;
import static io.persistenttimers.testkit.Stores.insert;
import static io.persistenttimers.testkit.Stores.remove;
import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import io.persistenttimers.TimerRecord;
import java.time.Instant;
import java.util.TimeZone;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Stored instants do not depend on the session time zone nor on the JVM's default zone. */
class PostgresTimeZoneTest {
  private static final String SCHEMA = PgTestSupport.newSchemaName("zone");

  @BeforeEach
  void emptySchema() {
    PgTestSupport.dropSchema(SCHEMA);
  }

  @AfterAll
  static void drop() {
    PgTestSupport.dropSchema(SCHEMA);
  }

  @Test
  void instantsAreIndependentOfSessionAndJvmZones() {
    // 02:30 local on the night Europe/Berlin springs forward, and a fall-back hour in Sao Paulo's
    // history: the instants a wall-clock conversion would get wrong.
    Instant springGap = Instant.parse("2026-03-29T01:30:00.123Z");
    Instant due = Instant.parse("2026-10-25T00:30:00.456Z");
    TimerRecord written =
        record("zoned").due(due).expiresAt(springGap).lastFiredAt(springGap).build();

    TimeZone jvmZone = TimeZone.getDefault();
    try (HikariDataSource chatham = PgTestSupport.dataSource("Pacific/Chatham", 2);
        HikariDataSource kathmandu = PgTestSupport.dataSource("Asia/Kathmandu", 2)) {
      TimeZone.setDefault(TimeZone.getTimeZone("Europe/Berlin"));
      try (PostgresStore writer = PostgresStore.builder(chatham).schema(SCHEMA).build()) {
        assertThat(insert(writer, written)).isTrue();
      }

      TimeZone.setDefault(TimeZone.getTimeZone("America/St_Johns"));
      try (PostgresStore reader = PostgresStore.builder(kathmandu).schema(SCHEMA).build()) {
        assertThat(reader.get("zoned")).contains(written);
        assertThat(due(reader, due, 10)).isEmpty();
        assertThat(due(reader, due.plusMillis(1), 10)).containsExactly(written);
      }
    } finally {
      TimeZone.setDefault(jvmZone);
    }

    // What the server holds is the absolute instant, whatever zone the reader's session has.
    assertThat(
            PgTestSupport.queryString(
                "SELECT (extract(epoch FROM next_fire_at) * 1000)::bigint FROM "
                    + PostgresStore.quoteIdentifier(SCHEMA)
                    + ".persistent_timers"))
        .isEqualTo(Long.toString(due.toEpochMilli()));
    assertThat(
            PgTestSupport.queryString(
                "SELECT to_char(expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS') FROM "
                    + PostgresStore.quoteIdentifier(SCHEMA)
                    + ".persistent_timers"))
        .isEqualTo("2026-03-29T01:30:00.123");
  }

  @Test
  void urlStore_sessionFollowsTheJvmZone_notUtc_andStillRoundTrips() throws Exception {
    // PgJDBC sends the JVM's default zone as the session TimeZone (it overrides an `options=-c
    // TimeZone=...` in the URL), so the store's own pool gets a non-UTC session this way.
    TimeZone jvmZone = TimeZone.getDefault();
    TimeZone.setDefault(TimeZone.getTimeZone("Asia/Kathmandu"));
    try {
      try (java.sql.Connection c = java.sql.DriverManager.getConnection(PgTestSupport.URL);
          java.sql.ResultSet rs = c.createStatement().executeQuery("SHOW TimeZone")) {
        rs.next();
        assertThat(rs.getString(1)).isEqualTo("Asia/Kathmandu");
      }
      try (PostgresStore store =
          PostgresStore.builder(PgTestSupport.URL).schema(SCHEMA).poolSize(1).build()) {
        TimerRecord r = record("url-zoned").due(Instant.parse("2026-04-05T13:45:00.999Z")).build();
        insert(store, r);
        TimeZone.setDefault(TimeZone.getTimeZone("UTC"));
        assertThat(store.get("url-zoned")).contains(r);
      }
    } finally {
      TimeZone.setDefault(jvmZone);
    }
  }

  @Test
  void farFutureBound_findsEverythingDue() {
    try (HikariDataSource ds = PgTestSupport.dataSource(PgTestSupport.SESSION_ZONE, 2);
        PostgresStore store = PostgresStore.builder(ds).schema(SCHEMA).build()) {
      TimerRecord far = record("far").due(Instant.parse("9999-12-31T23:59:59.999Z")).build();
      insert(store, far);
      assertThat(due(store, Instant.MAX, 1000)).contains(far);
      assertThat(due(store, Instant.MIN, 1000)).isEmpty();
      assertThat(store.purge(Instant.MIN, null).expired()).isZero();
      remove(store, "far");
    }
  }
}
