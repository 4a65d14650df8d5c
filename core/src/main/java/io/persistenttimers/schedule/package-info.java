/**
 * When a recurring timer fires: calendar fields, cron expressions and fixed intervals, each an
 * immutable value with an exact JSON form. {@link io.persistenttimers.schedule.Schedule} is the
 * entry point. The package uses no other exported package of the library.
 */
package io.persistenttimers.schedule;
