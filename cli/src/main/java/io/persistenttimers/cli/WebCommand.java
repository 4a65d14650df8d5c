package io.persistenttimers.cli;

import io.persistenttimers.admin.AdminOptions;
import io.persistenttimers.admin.AdminServer;
import io.persistenttimers.spi.Store;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code pt web}: serves the admin page on the store until stopped. */
@Command(
    name = "web",
    mixinStandardHelpOptions = true,
    description = {
      "Serve the admin web page until stopped.",
      "It serves the store given by --db or --store, until Ctrl-C.",
      "It listens on 127.0.0.1; actions and reveals of params need the token",
      "that it prints."
    })
final class WebCommand extends StoreCommand {

  @Option(
      names = "--port",
      paramLabel = "<port>",
      defaultValue = "8080",
      description = "The port, 0 for any free one (default ${DEFAULT-VALUE}).")
  int port;

  @Option(
      names = "--token-env",
      paramLabel = "<variable>",
      description = "Take the token from this environment variable instead of a random one.")
  String tokenEnv;

  /** Counted down to stop the server (tests); the command otherwise runs until the JVM ends. */
  final CountDownLatch stop = new CountDownLatch(1);

  /** The running server, once started (tests). */
  volatile AdminServer server;

  private static AdminServer start(Store store, AdminOptions options) {
    try {
      return AdminServer.start(store, options);
    } catch (java.io.UncheckedIOException e) {
      store.close();
      throw new Failure(Failure.BAD_ARGUMENTS, e.getMessage() + " (choose another --port)");
    }
  }

  @Override
  public Integer call() throws InterruptedException {
    AdminOptions options = AdminOptions.defaults().port(port);
    if (tokenEnv != null) {
      String token = System.getenv(tokenEnv);
      if (token == null) {
        throw new Failure(
            Failure.BAD_ARGUMENTS, "--token-env " + tokenEnv + ": no such environment variable");
      }
      options = options.token(token);
    }
    Store store = storeOptions.open();
    try (AdminServer admin = start(store, options)) {
      server = admin;
      Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown, "pt-web-stop"));
      out().println("Admin page for " + storeOptions.describe() + " on " + admin.uri());
      if (tokenEnv == null) {
        out().println("Token for actions and reveals: " + admin.token());
      }
      out().flush();
      stop.await();
    } finally {
      store.close();
    }
    return 0;
  }
}
