/** The SQLite store: one database file, the embedded default. */
module io.persistenttimers.store.sqlite {
  requires transitive io.persistenttimers;
  requires transitive java.sql; // SqliteStore.insert(Connection, TimerRecord) is API
  requires org.jdbi.v3.core; // SqliteStore.insert(Handle, TimerRecord) is API
  requires org.xerial.sqlitejdbc;
  requires flyway.core; // Flyway 13 declares no module name; this is its file-derived name
  requires org.slf4j;

  exports io.persistenttimers.store.sqlite;
}
