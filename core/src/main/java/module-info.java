/**
 * Persistent Timers: timers that survive a restart.
 *
 * <p>Exported: the host-facing API ({@code io.persistenttimers}), schedules ({@code
 * io.persistenttimers.schedule}) and the store service-provider interface ({@code
 * io.persistenttimers.spi}). The engine ({@code io.persistenttimers.internal}) is not exported:
 * nothing outside this module can construct or reach it.
 */
module io.persistenttimers {
  // Builder.objectMapper(ObjectMapper) names a Jackson type, so hosts need to read Jackson too.
  requires transitive com.fasterxml.jackson.databind;
  requires com.fasterxml.jackson.datatype.jsr310;
  requires com.cronutils;
  requires org.slf4j;

  exports io.persistenttimers;
  exports io.persistenttimers.schedule;
  exports io.persistenttimers.spi;
}
