package io.persistenttimers.spring;

import io.persistenttimers.admin.AdminOptions;
import io.persistenttimers.admin.AdminServer;
import io.persistenttimers.spi.Store;

/**
 * Starts the admin web page from the {@code persistent-timers.admin.*} settings. Kept apart from
 * the auto-configuration so that class loads without persistent-timers-admin on the class path.
 */
final class AdminPage {

  private AdminPage() {}

  /**
   * Starts the page on {@code store}.
   *
   * @throws IllegalStateException when no token is set: a random one would have to be logged, and
   *     logs reach more people than the page should
   * @throws IllegalArgumentException when a setting breaks a rule of {@link AdminOptions}, named
   *     with its property
   */
  static AdminServer start(Store store, PersistentTimersProperties.Admin admin) {
    if (admin.token() == null || admin.token().isBlank()) {
      throw new IllegalStateException(
          "persistent-timers.admin.token is required when persistent-timers.admin.enabled=true:"
              + " set at least "
              + AdminOptions.MIN_TOKEN_LENGTH
              + " characters, from the environment (e.g."
              + " persistent-timers.admin.token=${TIMERS_ADMIN_TOKEN}) rather than in a file");
    }
    AdminOptions options;
    try {
      options =
          AdminOptions.defaults()
              .allowRemote(admin.allowRemote())
              .bindAddress(admin.bindAddress())
              .port(admin.port())
              .token(admin.token())
              .pageSize(admin.pageSize())
              .countLimit(admin.countLimit());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("persistent-timers.admin: " + e.getMessage(), e);
    }
    return AdminServer.start(store, options);
  }
}
