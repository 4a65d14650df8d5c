package io.persistenttimers.cli;

import io.persistenttimers.TimerStatus;
import java.util.Locale;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Reads {@code --status}: the stored names (active, failed, quarantined) and {@code pending}, the
 * word {@code stats} uses for ACTIVE timers, in any case.
 */
final class StatusFilter implements ITypeConverter<TimerStatus> {

  static final String VALUES = "pending (= active), failed, quarantined";

  @Override
  public TimerStatus convert(String value) {
    String name = value.trim().toUpperCase(Locale.ROOT);
    if (name.equals("PENDING")) {
      return TimerStatus.ACTIVE;
    }
    for (TimerStatus status : TimerStatus.values()) {
      if (status.name().equals(name)) {
        return status;
      }
    }
    throw new TypeConversionException("'" + value + "' is not a status; use " + VALUES);
  }
}
