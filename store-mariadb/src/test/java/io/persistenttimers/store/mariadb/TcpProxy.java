package io.persistenttimers.store.mariadb;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP forwarder on a local port in front of the shared PostgreSQL server, so a test can take "the
 * database" away from one client without stopping the server others use.
 *
 * <p>{@link #goDown()} closes the listening socket (new connections are refused, as by a server
 * that is down) and cuts every forwarded connection on both sides (the server ends those sessions,
 * rolling back whatever they had open). {@link #comeUp()} listens on the same port again.
 *
 * <p>{@link #stall()} is the blackhole mode: the proxy keeps accepting connections but forwards no
 * byte in either direction and resets nothing, as a network that drops packets; {@link #resume()}
 * lets the held bytes through again.
 */
final class TcpProxy implements AutoCloseable {
  private final String upstreamHost;
  private final int upstreamPort;
  private final int port;
  private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
  private final AtomicInteger accepted = new AtomicInteger();
  private volatile ServerSocket server;
  private volatile boolean closed;
  private final Object flow = new Object();
  private boolean stalled;

  TcpProxy(String upstreamHost, int upstreamPort) {
    this.upstreamHost = upstreamHost;
    this.upstreamPort = upstreamPort;
    this.server = bind(0);
    this.port = server.getLocalPort();
    startAccepting(server);
  }

  int port() {
    return port;
  }

  /** Connections forwarded so far. */
  int accepted() {
    return accepted.get();
  }

  /** Refuses new connections and cuts the open ones. */
  synchronized void goDown() {
    closeQuietly(server);
    for (Socket s : sockets) {
      closeQuietly(s);
    }
    sockets.clear();
  }

  /** Forwards nothing any more, in either direction, without closing anything. */
  void stall() {
    synchronized (flow) {
      stalled = true;
    }
  }

  /** Forwards again, held bytes first. */
  void resume() {
    synchronized (flow) {
      stalled = false;
      flow.notifyAll();
    }
  }

  private void awaitFlowing() throws InterruptedException {
    synchronized (flow) {
      while (stalled && !closed) {
        flow.wait(100);
      }
    }
  }

  /** Accepts connections on the same port again. */
  synchronized void comeUp() {
    if (!server.isClosed()) {
      return;
    }
    server = bind(port);
    startAccepting(server);
  }

  @Override
  public synchronized void close() {
    closed = true;
    resume();
    goDown();
  }

  private ServerSocket bind(int localPort) {
    try {
      ServerSocket s = new ServerSocket();
      s.setReuseAddress(true);
      s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), localPort), 50);
      return s;
    } catch (IOException e) {
      throw new UncheckedIOException("proxy cannot listen on port " + localPort, e);
    }
  }

  private void startAccepting(ServerSocket listening) {
    Thread acceptor =
        new Thread(
            () -> {
              while (!listening.isClosed()) {
                try {
                  Socket client = listening.accept();
                  forward(client);
                } catch (IOException e) {
                  // Closed by goDown() or close().
                }
              }
            },
            "tcp-proxy-accept-" + port);
    acceptor.setDaemon(true);
    acceptor.start();
  }

  private void forward(Socket client) {
    Socket upstream;
    try {
      upstream = new Socket(upstreamHost, upstreamPort);
    } catch (IOException e) {
      closeQuietly(client);
      return;
    }
    synchronized (this) {
      if (closed || server.isClosed()) {
        closeQuietly(client);
        closeQuietly(upstream);
        return;
      }
      sockets.add(client);
      sockets.add(upstream);
    }
    accepted.incrementAndGet();
    pump(client, upstream);
    pump(upstream, client);
  }

  private void pump(Socket from, Socket to) {
    Thread t =
        new Thread(
            () -> {
              byte[] buffer = new byte[16 * 1024];
              try (InputStream in = from.getInputStream();
                  OutputStream out = to.getOutputStream()) {
                int n;
                while ((n = in.read(buffer)) >= 0) {
                  awaitFlowing();
                  out.write(buffer, 0, n);
                  out.flush();
                }
              } catch (IOException e) {
                // One side went away.
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              } finally {
                closeQuietly(from);
                closeQuietly(to);
                sockets.remove(from);
                sockets.remove(to);
              }
            },
            "tcp-proxy-pump");
    t.setDaemon(true);
    t.start();
  }

  private static void closeQuietly(java.io.Closeable c) {
    try {
      c.close();
    } catch (IOException ignored) {
      // Nothing to do.
    }
  }
}
