/** The MariaDB and MySQL store, also a way to run several nodes against one database. */
module io.persistenttimers.store.mariadb {
  requires transitive io.persistenttimers;
  requires transitive io.persistenttimers.store.jdbc; // the store is a JdbcStore
  requires transitive java.sql; // MariaDbStore.insert(Connection, TimerRecord) is API
  requires org.jdbi.v3.core; // MariaDbStore.insert(Handle, TimerRecord) is API
  requires org.mariadb.jdbc;
  requires com.zaxxer.hikari;
  requires flyway.core; // Flyway 13 declares no module name; this is its file-derived name
  requires org.slf4j;

  exports io.persistenttimers.store.mariadb;
}
