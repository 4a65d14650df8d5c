package io.persistenttimers.admin;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.security.SecureRandom;
import java.time.InstantSource;
import java.util.Base64;
import java.util.Objects;

/**
 * How an {@link AdminServer} listens and whom it obeys. Immutable; build from {@link #defaults()}.
 *
 * <p>Safe by default: it listens on 127.0.0.1 only, and every state-changing request (cancel,
 * release, cancel-participant, purge, and revealing params) needs the token, a random one printed
 * by whoever starts the server unless one is configured. Listening beyond the loopback interface
 * must be asked for with {@link #allowRemote(boolean)}: the pages show participant ids to anyone
 * who can reach them, so put them behind an authenticating proxy first.
 *
 * @param bindAddress the address to listen on
 * @param port the port; 0 picks a free one
 * @param token the token every state-changing request must carry
 * @param pageSize rows per list page
 * @param allowRemote whether a non-loopback bind address is accepted
 * @param clock "now" for overdue counts and lags
 * @param countLimit the largest count a page gives exactly; above it, "more than" the limit
 */
public record AdminOptions(
    String bindAddress,
    int port,
    String token,
    int pageSize,
    boolean allowRemote,
    InstantSource clock,
    int countLimit) {

  /** The shortest token accepted: a shorter one could be guessed. */
  public static final int MIN_TOKEN_LENGTH = 16;

  /** The most rows one page shows. */
  public static final int MAX_PAGE_SIZE = 500;

  /**
   * The default {@link #countLimit()}: counting 10,000 index entries keeps a page well under 100 ms
   * on PostgreSQL, where an exact count of a million takes seconds.
   */
  public static final int DEFAULT_COUNT_LIMIT = 10_000;

  /**
   * Validates the options.
   *
   * @param bindAddress the address to listen on
   * @param port the port; 0 picks a free one
   * @param token the token every state-changing request must carry
   * @param pageSize rows per list page
   * @param allowRemote whether a non-loopback bind address is accepted
   * @param clock "now" for overdue counts and lags
   * @param countLimit the largest count a page gives exactly
   * @throws IllegalArgumentException naming the option and the rule it breaks
   */
  public AdminOptions {
    Objects.requireNonNull(bindAddress, "bindAddress");
    Objects.requireNonNull(token, "token");
    Objects.requireNonNull(clock, "clock");
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port must be 0 to 65535: " + port);
    }
    if (token.length() < MIN_TOKEN_LENGTH || !token.chars().allMatch(c -> c > 32 && c < 127)) {
      throw new IllegalArgumentException(
          "token must be at least "
              + MIN_TOKEN_LENGTH
              + " printable ASCII characters without spaces (it has "
              + token.length()
              + ")");
    }
    if (pageSize < 1 || pageSize > MAX_PAGE_SIZE) {
      throw new IllegalArgumentException(
          "pageSize must be 1 to " + MAX_PAGE_SIZE + ": " + pageSize);
    }
    if (countLimit < 1 || countLimit == Integer.MAX_VALUE) {
      throw new IllegalArgumentException(
          "countLimit must be 1 to " + (Integer.MAX_VALUE - 1) + ": " + countLimit);
    }
    if (!allowRemote && !isLoopback(bindAddress)) {
      throw new IllegalArgumentException(
          "bindAddress "
              + bindAddress
              + " is not a loopback address: the admin page shows participant ids to anyone who"
              + " reaches it. Keep 127.0.0.1 and tunnel (ssh -L), or put it behind an"
              + " authenticating proxy and set allowRemote(true)");
    }
  }

  /**
   * 127.0.0.1, a free port, a new random token, 50 rows a page, the system clock, counts exact up
   * to {@value #DEFAULT_COUNT_LIMIT}.
   *
   * @return the default options
   */
  public static AdminOptions defaults() {
    return new AdminOptions(
        "127.0.0.1", 0, randomToken(), 50, false, InstantSource.system(), DEFAULT_COUNT_LIMIT);
  }

  /**
   * Listen on this address instead of 127.0.0.1.
   *
   * @param address an IP address or host name
   * @return a copy with that address
   */
  public AdminOptions bindAddress(String address) {
    return new AdminOptions(address, port, token, pageSize, allowRemote, clock, countLimit);
  }

  /**
   * Listen on this port.
   *
   * @param port 1 to 65535, or 0 for a free one
   * @return a copy with that port
   */
  public AdminOptions port(int port) {
    return new AdminOptions(bindAddress, port, token, pageSize, allowRemote, clock, countLimit);
  }

  /**
   * Use this token instead of a random one.
   *
   * @param token at least {@value #MIN_TOKEN_LENGTH} printable ASCII characters
   * @return a copy with that token
   */
  public AdminOptions token(String token) {
    return new AdminOptions(bindAddress, port, token, pageSize, allowRemote, clock, countLimit);
  }

  /**
   * Show this many rows a page.
   *
   * @param pageSize 1 to {@value #MAX_PAGE_SIZE}
   * @return a copy with that page size
   */
  public AdminOptions pageSize(int pageSize) {
    return new AdminOptions(bindAddress, port, token, pageSize, allowRemote, clock, countLimit);
  }

  /**
   * Accept a bind address beyond loopback.
   *
   * @param allow true only behind an authenticating proxy
   * @return a copy with that setting
   */
  public AdminOptions allowRemote(boolean allow) {
    return new AdminOptions(bindAddress, port, token, pageSize, allow, clock, countLimit);
  }

  /**
   * Take "now" from this clock (tests).
   *
   * @param clock the clock
   * @return a copy with that clock
   */
  public AdminOptions clock(InstantSource clock) {
    return new AdminOptions(bindAddress, port, token, pageSize, allowRemote, clock, countLimit);
  }

  /**
   * Count exactly up to this many timers; a larger count shows as "more than" it. Higher limits
   * make pages slower on large stores: counting costs about one index entry per timer.
   *
   * @param countLimit 1 or more
   * @return a copy with that limit
   */
  public AdminOptions countLimit(int countLimit) {
    return new AdminOptions(bindAddress, port, token, pageSize, allowRemote, clock, countLimit);
  }

  /** Hides the token, so printing the options does not leak it. */
  @Override
  public String toString() {
    return "AdminOptions[bindAddress="
        + bindAddress
        + ", port="
        + port
        + ", token=(hidden), pageSize="
        + pageSize
        + ", allowRemote="
        + allowRemote
        + ", countLimit="
        + countLimit
        + "]";
  }

  private static String randomToken() {
    byte[] bytes = new byte[24];
    new SecureRandom().nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  private static boolean isLoopback(String address) {
    try {
      for (InetAddress a : InetAddress.getAllByName(address)) {
        if (!a.isLoopbackAddress()) {
          return false;
        }
      }
      return true;
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("bindAddress " + address + " does not resolve", e);
    }
  }
}
