package io.persistenttimers;

import static io.persistenttimers.internal.Checks.requireNonNull;

/**
 * What a schedule call did: the timer's id, and whether it created a timer, replaced one, or kept
 * the one already stored under that id ({@link IfExists}).
 *
 * @param id the timer's id
 * @param outcome created, replaced or kept
 */
public record Scheduled(String id, Outcome outcome) {

  /** What happened to the id. */
  public enum Outcome {
    /** No timer had the id; the new one is stored. */
    CREATED,
    /** A timer had the id; the new one replaced it ({@link IfExists#REPLACE}). */
    REPLACED,
    /**
     * A timer had the id and stays as it was; the new one was not stored ({@link IfExists#KEEP}).
     */
    KEPT
  }

  /**
   * Checks both components.
   *
   * @param id the timer's id
   * @param outcome created, replaced or kept
   */
  public Scheduled {
    requireNonNull(id, "id");
    requireNonNull(outcome, "outcome");
  }

  /**
   * True when the call stored the timer it was given (created or replaced); false when an existing
   * timer was kept.
   *
   * @return whether the given timer is the stored one
   */
  public boolean stored() {
    return outcome != Outcome.KEPT;
  }
}
