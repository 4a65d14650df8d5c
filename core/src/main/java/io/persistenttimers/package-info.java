/**
 * The host-facing API: build a {@link io.persistenttimers.PersistentTimer} on a store, register
 * callbacks, schedule with a {@link io.persistenttimers.TimerSpec}.
 *
 * <p><b>Package dependencies.</b> This package and {@code spi} refer to each other on purpose: the
 * store interface speaks in this package's value types ({@link io.persistenttimers.TimerRecord},
 * {@link io.persistenttimers.TimerQuery}, {@link io.persistenttimers.StoreException}), and the
 * builder takes a {@link io.persistenttimers.spi.Store}. Splitting the value types into a third
 * package would only move the names, not the coupling. This package also reaches into {@code
 * internal} (the facade delegates to the engine) and {@code internal} uses these value types; the
 * module boundary, which does not export {@code internal}, keeps that cycle private.
 */
package io.persistenttimers;
