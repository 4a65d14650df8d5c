package io.persistenttimers.internal;

import java.security.SecureRandom;

/**
 * First versions of new timers. Every compare-and-set compares a record's version, so a version
 * must never repeat for an id: if a timer under a reused id started again at 1, the outcome of the
 * old timer's last run (or its armed wake-up, or its recurring advance) would be taken for the new
 * one's. A new timer therefore starts at a random version in [2^32, 2^62), and each change adds
 * one. Two timers under one id collide only if their ranges overlap — for timers that change a
 * million times each, a chance of about 2^-41 — and the range leaves 2^61 changes before overflow.
 */
public final class TimerVersions {
  private static final long LOWEST = 1L << 32;
  private static final long BOUND = 1L << 62;
  private static final SecureRandom SEEDS = new SecureRandom();

  private TimerVersions() {}

  /** A version for a new timer, unrelated to any version an earlier timer under its id had. */
  public static long first() {
    long bits;
    synchronized (SEEDS) {
      bits = SEEDS.nextLong();
    }
    return LOWEST + Math.floorMod(bits, BOUND - LOWEST);
  }
}
