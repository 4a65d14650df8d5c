/**
 * The shared layer of the SQL stores: {@link io.persistenttimers.store.jdbc.JdbcStore} implements
 * the {@code Store} SPI over one table for any database that a {@link
 * io.persistenttimers.store.jdbc.Dialect} describes. A store subclasses it with its connections,
 * its transactions and its engine lock.
 */
package io.persistenttimers.store.jdbc;
