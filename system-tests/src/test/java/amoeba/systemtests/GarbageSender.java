package amoeba.systemtests;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.SplittableRandom;

/**
 * A hostile test host: sends {@code count} datagrams of random bytes and random length (0..1500),
 * a third of them shaped like a FLIP header with random fields, to each target, at most one per
 * 50 us (bounded in count and time). Prints "sent N" when done. Args: seed count host:port...
 */
public final class GarbageSender {
  public static void main(String[] args) throws Exception {
    SplittableRandom random = new SplittableRandom(Long.parseLong(args[0]));
    int count = Integer.parseInt(args[1]);
    InetSocketAddress[] targets = new InetSocketAddress[args.length - 2];
    for (int i = 2; i < args.length; i++) {
      String[] hp = args[i].split(":");
      targets[i - 2] = new InetSocketAddress(hp[0], Integer.parseInt(hp[1]));
    }
    long deadline = System.nanoTime() + 60_000_000_000L;
    int sent = 0;
    try (DatagramChannel ch = DatagramChannel.open()) {
      ByteBuffer b = ByteBuffer.allocate(1500);
      for (int i = 0; i < count && System.nanoTime() < deadline; i++) {
        byte[] bytes = new byte[random.nextInt(1501)];
        random.nextBytes(bytes);
        if (i % 3 == 0 && bytes.length >= 56) {
          bytes[0] = 1; // version
          bytes[1] = (byte) (1 + random.nextInt(7)); // a known type
          bytes[5] = bytes[6] = bytes[7] = 0; // reserved
        }
        b.clear();
        b.put(bytes).flip();
        ch.send(b, targets[i % targets.length]);
        sent++;
        java.util.concurrent.locks.LockSupport.parkNanos(50_000);
      }
    }
    System.out.println("sent " + sent);
  }
}
