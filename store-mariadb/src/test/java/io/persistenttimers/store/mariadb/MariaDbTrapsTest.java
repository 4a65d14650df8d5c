package io.persistenttimers.store.mariadb;

import static io.persistenttimers.testkit.Records.record;
import static io.persistenttimers.testkit.Stores.due;
import static io.persistenttimers.testkit.Stores.getIfOwned;
import static io.persistenttimers.testkit.Stores.insert;
import static io.persistenttimers.testkit.Stores.remove;
import static io.persistenttimers.testkit.Stores.removeParticipant;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariDataSource;
import io.persistenttimers.TimerQuery;
import io.persistenttimers.TimerRecord;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.TimeZone;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The traps a MySQL or MariaDB user meets, each shown on the real server: case- and
 * accent-insensitive and space-padding collations, utf8mb3, session time zones, second precision,
 * the 2038 end of TIMESTAMP, JSON reordering, and index length limits.
 */
class MariaDbTrapsTest {
  private static String database;
  private static HikariDataSource dataSource;
  private MariaDbStore store;

  @BeforeAll
  static void createDatabase() {
    database = MariaDbTestSupport.newDatabase("traps");
    // The server's and database's default collation is case- and accent-insensitive: the store's
    // table must not inherit it.
    MariaDbTestSupport.exec(
        "ALTER DATABASE "
            + MariaDbStore.quoteIdentifier(database)
            + " CHARACTER SET utf8mb3 COLLATE utf8mb3_general_ci");
    dataSource = MariaDbTestSupport.dataSource(database, MariaDbTestSupport.SESSION_ZONE, 3);
  }

  @AfterAll
  static void dropDatabase() {
    if (dataSource != null) {
      dataSource.close();
    }
    if (database != null) {
      MariaDbTestSupport.dropDatabase(database);
    }
  }

  @BeforeEach
  void open() {
    store = MariaDbStore.builder(dataSource).build();
    MariaDbTestSupport.exec("TRUNCATE " + table());
  }

  @AfterEach
  void close() {
    store.close();
  }

  private static String table() {
    return MariaDbStore.quoteIdentifier(database) + "." + MariaDbStore.TABLE;
  }

  @Test
  void ids_compareByteExact_caseAccentAndTrailingSpaceMakeDistinctTimers() {
    List<String> ids = List.of("A", "a", "e", "é", "e\u0301", "a ", "ß", "ss");
    for (String id : ids) {
      assertThat(insert(store, record(id).build())).as("insert of '%s'", id).isTrue();
    }

    for (String id : ids) {
      assertThat(store.get(id).orElseThrow().id()).isEqualTo(id);
    }
    assertThat(store.count(TimerQuery.all())).isEqualTo(ids.size());
    // Deleting 'a' leaves 'A' and 'a ' alone.
    assertThat(remove(store, "a")).isTrue();
    assertThat(store.get("A")).isPresent();
    assertThat(store.get("a ")).isPresent();
  }

  @Test
  void participantsAndTypes_compareByteExact_inFiltersAndDeletes() {
    insert(store, record("1").participant("Ana").flowType("Flow").build());
    insert(store, record("2").participant("ana").flowType("flow").build());
    insert(store, record("3").participant("ana ").flowType("flow").build());

    assertThat(store.list(TimerQuery.all().participant("ana")))
        .extracting(TimerRecord::id)
        .containsExactly("2");
    assertThat(store.count(TimerQuery.all().flowType("Flow"))).isEqualTo(1);
    assertThat(removeParticipant(store, "Ana", null)).containsExactly("1");
    assertThat(store.list(TimerQuery.all())).extracting(TimerRecord::id).containsExactly("2", "3");
  }

  @Test
  void everyTextColumn_isUtf8mb4WithABinaryNoPadCollation() throws SQLException {
    List<String> columns = new ArrayList<>();
    try (Connection c = dataSource.getConnection();
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT COLUMN_NAME, CHARACTER_SET_NAME, COLLATION_NAME FROM"
                    + " information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME"
                    + " = 'persistent_timers' AND CHARACTER_SET_NAME IS NOT NULL")) {
      while (rs.next()) {
        columns.add(rs.getString(1));
        assertThat(rs.getString(2)).as(rs.getString(1)).isEqualTo("utf8mb4");
        assertThat(rs.getString(3))
            .as(rs.getString(1))
            .isIn("utf8mb4_nopad_bin", "utf8mb4_0900_bin");
      }
    }
    assertThat(columns).contains("id", "participant_id", "callback_params", "last_error", "owner");
  }

  @Test
  void emojiAndCjk_roundTripInIdsNamesAndParams() {
    String text = "😀👩‍🔬 日本語 한국어 𠜎";
    TimerRecord r =
        record("id-" + text)
            .participant("p-" + text)
            .flowType("f-" + text)
            .callbackType("c-" + text)
            .params("{\"t\": \"" + text + "\", \"日本\": [\"😀\"]}")
            .build();

    assertThat(insert(store, r)).isTrue();

    assertThat(store.get(r.id())).contains(r);
    assertThat(store.list(TimerQuery.all().participant("p-" + text))).containsExactly(r);
  }

  @Test
  void longestIds_andNames_inTheirMostBytes_fitTheIndexes() {
    // TimerRecord allows 255 UTF-16 chars: 765 bytes of utf8mb4 in CJK, 509 as surrogate pairs.
    String longest = "日".repeat(255);
    String longestParticipant = "𠜎".repeat(127) + "x";
    TimerRecord r =
        record(longest).participant(longestParticipant).flowType("語".repeat(255)).build();

    assertThat(insert(store, r)).isTrue();

    assertThat(store.get(longest)).contains(r);
    assertThat(store.list(TimerQuery.all().participant(longestParticipant))).containsExactly(r);
    assertThat(due(store, r.nextFireAt().plusMillis(1), 10)).containsExactly(r);
  }

  @Test
  void instants_storedAsUtc_whateverTheSessionAndJvmZones() {
    Instant due = Instant.parse("2026-10-25T00:30:00.456Z");
    Instant springGap = Instant.parse("2026-03-29T01:30:00.123Z");
    TimerRecord written =
        record("zoned").due(due).expiresAt(springGap).lastFiredAt(springGap).build();

    TimeZone jvmZone = TimeZone.getDefault();
    try (HikariDataSource kathmandu = MariaDbTestSupport.dataSource(database, "+05:45", 2);
        HikariDataSource stJohns = MariaDbTestSupport.dataSource(database, "-03:30", 2)) {
      TimeZone.setDefault(TimeZone.getTimeZone("Europe/Berlin"));
      try (MariaDbStore writer = MariaDbStore.builder(kathmandu).migrate(false).build()) {
        assertThat(insert(writer, written)).isTrue();
      }
      TimeZone.setDefault(TimeZone.getTimeZone("Pacific/Chatham"));
      try (MariaDbStore reader = MariaDbStore.builder(stJohns).migrate(false).build()) {
        assertThat(reader.get("zoned")).contains(written);
        assertThat(due(reader, due, 10)).isEmpty();
        assertThat(due(reader, due.plusMillis(1), 10)).containsExactly(written);
      }
    } finally {
      TimeZone.setDefault(jvmZone);
    }
    // What the server holds is UTC wall time, read here in yet another session zone.
    assertThat(
            MariaDbTestSupport.queryString(
                "SELECT DATE_FORMAT(next_fire_at, '%Y-%m-%dT%H:%i:%s.%f') FROM " + table()))
        .isEqualTo("2026-10-25T00:30:00.456000");
    assertThat(
            MariaDbTestSupport.queryString(
                "SELECT DATE_FORMAT(expires_at, '%Y-%m-%dT%H:%i:%s.%f') FROM " + table()))
        .isEqualTo("2026-03-29T01:30:00.123000");
  }

  @Test
  void urlStore_withTheServersDefaultZone_roundTrips() {
    // The store's own pool leaves the session zone as the server has it (SYSTEM here).
    Instant due = Instant.parse("2026-03-01T12:00:00.999Z");
    TimerRecord r = record("url").due(due).build();
    try (MariaDbStore urlStore =
        MariaDbStore.builder(MariaDbTestSupport.url(database))
            .user(MariaDbTestSupport.USER)
            .password(MariaDbTestSupport.PASSWORD)
            .poolSize(1)
            .build()) {
      assertThat(insert(urlStore, r)).isTrue();
      assertThat(urlStore.get("url")).contains(r);
    }
    assertThat(store.get("url")).contains(r);
  }

  @Test
  void leases_areJudgedByTheServersUtcClock_notTheSessionZone() {
    // A session 5:45 ahead of UTC must not make a fresh lease look expired (NOW() would).
    insert(store, record("leased").due(Instant.now().minusSeconds(1)).build());
    assertThat(store.claimDue("node-a", Instant.now(), 10, Duration.ofMinutes(5)))
        .extracting(TimerRecord::id)
        .containsExactly("leased");

    assertThat(store.claimDue("node-b", Instant.now(), 10, Duration.ofMinutes(5))).isEmpty();
    assertThat(getIfOwned(store, "leased", "node-a")).isPresent();
  }

  @Test
  void milliseconds_kept_andInstantsPast2038_roundTrip() {
    // TIMESTAMP would end at 2038-01-19T03:14:07Z; DATETIME(3) holds up to 9999 with millis.
    TimerRecord after2038 =
        record("after-2038")
            .due(Instant.parse("2038-01-19T03:14:08.001Z"))
            .expiresAt(Instant.parse("2199-12-31T23:59:59.999Z"))
            .build();

    insert(store, after2038);

    assertThat(store.get("after-2038")).contains(after2038);
    assertThat(
            MariaDbTestSupport.queryString(
                "SELECT DATA_TYPE FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = '"
                    + database
                    + "' AND TABLE_NAME = 'persistent_timers' AND COLUMN_NAME = 'next_fire_at'"))
        .isEqualTo("datetime");
  }

  @Test
  void instantsBeyondDatetimesRange_areClampedToItsEnds() {
    TimerRecord far =
        record("far")
            .due(Instant.parse("+12000-01-01T00:00:00Z"))
            .expiresAt(Instant.parse("0500-01-01T00:00:00Z"))
            .build();

    insert(store, far);

    TimerRecord read = store.get("far").orElseThrow();
    assertThat(read.nextFireAt()).isEqualTo(Instant.parse("9999-12-31T23:59:59.999Z"));
    assertThat(read.expiresAt()).isEqualTo(Instant.parse("1000-01-01T00:00:00Z"));
    assertThat(due(store, Instant.MAX, 10)).isEmpty(); // expired first, never due before MAX
  }

  @Test
  void params_keepKeyOrderAndWhitespace_byteForByte() {
    // MySQL 8's JSON type would return {"a": 2, "b": 1}: keys sorted, whitespace normalised.
    String params = "{\"b\":1,   \"a\" : 2,\n \"z\":{\"y\":[3 , 1]}, \"a1\": 1.50}";
    TimerRecord r = record("json").params(params).build();

    insert(store, r);

    assertThat(store.get("json").orElseThrow().params()).isEqualTo(params);
    assertThat(MariaDbTestSupport.queryString("SELECT callback_params FROM " + table()))
        .isEqualTo(params);
  }

  @Test
  void params_thatAreNotJson_areRefusedByTheTable() {
    // Core refuses them first; the CHECK keeps a hand-written or foreign INSERT honest too.
    assertThatThrownBy(
            () ->
                MariaDbTestSupport.exec(
                    "INSERT INTO "
                        + table()
                        + " (id, participant_id, flow_type, callback_type, callback_params,"
                        + " payload_version, timer_type, next_fire_at, attempt, status, version,"
                        + " created_at, updated_at) VALUES ('x', 'p', 'f', 'c', '{not json',"
                        + " 1, 'ONE_SHOT', UTC_TIMESTAMP(3), 0, 'ACTIVE', 1, UTC_TIMESTAMP(3),"
                        + " UTC_TIMESTAMP(3))"))
        .hasMessageContaining("persistent_timers_params_json");
    assertThat(store.get("x")).isEmpty();
  }

  @Test
  void serverErrors_neverQuoteValues() throws SQLException {
    // A duplicate entry message quotes the key; a failing CHECK or bad string quotes data.
    SQLException raw =
        new SQLException("Incorrect string value: '\\xF0\\x9F\\x98\\x80' for x", "22007", 1366);
    assertThat(MariaDbErrors.wrap("insert of timer 't'", raw).getMessage())
        .doesNotContain("xF0")
        .contains("Incorrect string value: '…'", "insert of timer 't'", "22007");
    try (Connection c =
            DriverManager.getConnection(
                MariaDbTestSupport.url(database),
                MariaDbTestSupport.USER,
                MariaDbTestSupport.PASSWORD);
        Statement s = c.createStatement()) {
      s.execute("CREATE TABLE secret_check (v VARCHAR(40) PRIMARY KEY)");
      s.execute("INSERT INTO secret_check VALUES ('secret-participant@example.com')");
      SQLException duplicate =
          org.junit.jupiter.api.Assertions.assertThrows(
              SQLException.class,
              () ->
                  s.execute("INSERT INTO secret_check VALUES ('secret-participant@example.com')"));
      assertThat(duplicate.getMessage()).contains("secret-participant"); // the server quotes it
      assertThat(MariaDbErrors.wrap("op", duplicate).getMessage())
          .doesNotContain("secret")
          .contains("Duplicate entry '…'");
    }
  }
}
