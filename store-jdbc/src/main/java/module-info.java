/**
 * The shared layer of the SQL stores: {@code JdbcStore} and its {@code Dialect}. Its internals
 * (columns, row codec, query filter, batched writer, error translation) are not exported.
 */
module io.persistenttimers.store.jdbc {
  requires transitive io.persistenttimers;
  requires transitive java.sql; // JdbcStore.insert(Connection, TimerRecord) is API
  requires transitive org.jdbi.v3.core; // JdbcStore.insert(Handle, TimerRecord) is API
  requires org.slf4j;

  exports io.persistenttimers.store.jdbc;
}
