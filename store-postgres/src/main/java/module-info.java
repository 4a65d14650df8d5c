/** The PostgreSQL store, also the way to run several nodes against one database. */
module io.persistenttimers.store.postgres {
  requires transitive io.persistenttimers;
  requires transitive java.sql; // PostgresStore.insert(Connection, TimerRecord) is API
  requires org.jdbi.v3.core; // PostgresStore.insert(Handle, TimerRecord) is API
  requires org.postgresql.jdbc;
  requires com.zaxxer.hikari;
  requires flyway.core; // Flyway 13 declares no module name; this is its file-derived name
  requires org.slf4j;

  exports io.persistenttimers.store.postgres;
}
