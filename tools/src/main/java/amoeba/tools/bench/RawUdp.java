package amoeba.tools.bench;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.ArrayList;
import java.util.List;

/**
 * The baseline every network benchmark is measured against: plain Java DatagramChannel on
 * loopback, blocking, one thread per socket, no framing. The peer runs an {@link #echo} and a
 * {@link #sink}; the benchmark runs {@link #pingPong} and {@link #blast} against them.
 */
public final class RawUdp {
  /** A datagram of this one byte asks a sink for its tally. */
  static final byte TALLY = 'T';

  private RawUdp() {}

  static DatagramChannel open() throws IOException {
    DatagramChannel ch = DatagramChannel.open();
    ch.setOption(StandardSocketOptions.SO_RCVBUF, 4 << 20);
    ch.setOption(StandardSocketOptions.SO_SNDBUF, 4 << 20);
    ch.bind(new InetSocketAddress("127.0.0.1", 0));
    return ch;
  }

  /** Starts a daemon thread echoing every datagram; returns the port. */
  public static int echo() throws IOException {
    DatagramChannel ch = open();
    daemon("raw-echo", () -> {
      ByteBuffer b = ByteBuffer.allocateDirect(65536);
      while (true) {
        b.clear();
        SocketAddress from = ch.receive(b);
        b.flip();
        ch.send(b, from);
      }
    });
    return ((InetSocketAddress) ch.getLocalAddress()).getPort();
  }

  /**
   * Starts a daemon thread counting datagrams; a one-byte TALLY datagram is answered with
   * (bytes received, nanos from first to last data datagram) and resets the tally. Returns the
   * port.
   */
  public static int sink() throws IOException {
    DatagramChannel ch = open();
    daemon("raw-sink", () -> {
      ByteBuffer b = ByteBuffer.allocateDirect(65536);
      ByteBuffer answer = ByteBuffer.allocate(16);
      long bytes = 0;
      long first = 0;
      long last = 0;
      while (true) {
        b.clear();
        SocketAddress from = ch.receive(b);
        long now = System.nanoTime();
        if (b.position() == 1 && b.get(0) == TALLY) {
          answer.clear();
          answer.putLong(bytes).putLong(last - first).flip();
          ch.send(answer, from);
          bytes = 0;
          first = 0;
          continue;
        }
        if (bytes == 0) {
          first = now;
        }
        bytes += b.position();
        last = now;
      }
    });
    return ((InetSocketAddress) ch.getLocalAddress()).getPort();
  }

  /**
   * Ping-pong of {@code size}-byte datagrams: warm-up, then {@code count} timed round trips.
   * Blocking socket calls with a 1 s timeout, so a lost datagram fails the run, never hangs it.
   */
  public static Latencies pingPong(int port, int size, int warmup, int count) throws IOException {
    Latencies lat = new Latencies(count);
    pingPong(port, size, warmup, count, lat);
    return lat;
  }

  /** {@link #pingPong(int, int, int, int)} recording into {@code lat}. */
  public static void pingPong(int port, int size, int warmup, int count, Latencies lat) throws IOException {
    try (DatagramChannel ch = open()) {
      ch.connect(new InetSocketAddress("127.0.0.1", port));
      DatagramSocket socket = ch.socket();
      socket.setSoTimeout(1000);
      DatagramPacket out = new DatagramPacket(new byte[size], size);
      byte[] in = new byte[65536];
      DatagramPacket reply = new DatagramPacket(in, in.length);
      for (int i = 0; i < warmup + count; i++) {
        long t0 = System.nanoTime();
        socket.send(out);
        reply.setLength(in.length);
        socket.receive(reply);
        long t1 = System.nanoTime();
        if (i >= warmup) {
          lat.record(t1 - t0);
        }
      }
    }
  }

  /**
   * Sends {@code bytes} in {@code size}-byte datagrams as fast as the socket takes them, then
   * asks the sink what arrived. Returns received megabytes (10^6 bytes) per second, as the sink
   * timed them.
   */
  public static double blast(int port, int size, long bytes) throws IOException {
    try (DatagramChannel ch = open()) {
      InetSocketAddress to = new InetSocketAddress("127.0.0.1", port);
      ch.connect(to);
      ByteBuffer out = ByteBuffer.allocateDirect(size);
      for (long sent = 0; sent < bytes; sent += size) {
        out.clear();
        ch.write(out);
      }
      ByteBuffer tally = ByteBuffer.allocate(16);
      ch.configureBlocking(true);
      for (int attempt = 0; attempt < 10; attempt++) {
        ch.write(ByteBuffer.wrap(new byte[] {TALLY}));
        tally.clear();
        ch.socket().setSoTimeout(500);
        try {
          ch.socket().receive(new DatagramPacket(tally.array(), 16));
          long received = tally.getLong(0);
          long nanos = tally.getLong(8);
          return nanos <= 0 ? 0 : received * 1000.0 / nanos;
        } catch (java.net.SocketTimeoutException e) {
          // the tally request or its answer was lost; ask again (bounded)
        }
      }
      throw new IOException("the sink never answered its tally");
    }
  }

  /**
   * Raw IP multicast on lo (TTL 0): one sender sends {@code count} {@code size}-byte datagrams
   * as fast as the socket takes them to {@code receivers} sockets joined to the group in this
   * process. Returns datagrams delivered per second at the slowest receiver (from the first
   * send to its last receipt); losses under overload count against the rate.
   */
  public static double multicastRate(int receivers, int size, int count) throws IOException {
    java.net.NetworkInterface lo = java.net.NetworkInterface.getByName("lo");
    java.net.InetAddress group = java.net.InetAddress.getByName("239.77.0.9");
    int port;
    try (DatagramChannel probe = open()) {
      port = ((InetSocketAddress) probe.getLocalAddress()).getPort();
    }
    List<DatagramChannel> rx = new ArrayList<>();
    long[] got = new long[receivers];
    long[] lastNs = new long[receivers];
    List<Thread> threads = new ArrayList<>();
    try (DatagramChannel tx = DatagramChannel.open(java.net.StandardProtocolFamily.INET)) {
      tx.setOption(StandardSocketOptions.IP_MULTICAST_IF, lo);
      tx.setOption(StandardSocketOptions.IP_MULTICAST_TTL, 0);
      tx.setOption(StandardSocketOptions.IP_MULTICAST_LOOP, true);
      tx.setOption(StandardSocketOptions.SO_SNDBUF, 4 << 20);
      for (int i = 0; i < receivers; i++) {
        DatagramChannel ch = DatagramChannel.open(java.net.StandardProtocolFamily.INET);
        ch.setOption(StandardSocketOptions.SO_REUSEADDR, true);
        ch.setOption(StandardSocketOptions.SO_RCVBUF, 4 << 20);
        ch.bind(new InetSocketAddress(port));
        ch.join(group, lo);
        ch.socket().setSoTimeout(300);
        rx.add(ch);
        int k = i;
        Thread t = new Thread(() -> {
          java.net.DatagramPacket p = new java.net.DatagramPacket(new byte[65536], 65536);
          try {
            while (got[k] < count) {
              ch.socket().receive(p);
              got[k]++;
              lastNs[k] = System.nanoTime();
            }
          } catch (IOException idle) {
            // 300 ms without a datagram: the rest was lost
          }
        }, "raw-mcast-rx");
        t.setDaemon(true);
        t.start();
        threads.add(t);
      }
      InetSocketAddress to = new InetSocketAddress(group, port);
      ByteBuffer out = ByteBuffer.allocateDirect(size);
      long t0 = System.nanoTime();
      for (int i = 0; i < count; i++) {
        out.clear();
        tx.send(out, to);
      }
      for (Thread t : threads) {
        t.join(10_000);
      }
      double slowest = Double.MAX_VALUE;
      for (int i = 0; i < receivers; i++) {
        slowest = Math.min(slowest, lastNs[i] <= t0 ? 0 : got[i] * 1e9 / (lastNs[i] - t0));
      }
      return slowest;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 0;
    } finally {
      for (DatagramChannel ch : rx) {
        ch.close();
      }
    }
  }

  interface Body {
    void run() throws IOException;
  }

  private static void daemon(String name, Body body) {
    Thread t = new Thread(() -> {
      try {
        body.run();
      } catch (IOException e) {
        // the peer process is being stopped
      }
    }, name);
    t.setDaemon(true);
    t.start();
  }
}
