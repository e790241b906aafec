package amoeba.flip.net;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * One network a FLIP box is attached to: it carries whole FLIP packets (header, payload, tag)
 * between stations, unreliably. Implementations: UDP (unicast + IP multicast, or a peer list),
 * an in-JVM loopback hub, a seeded fault-injecting wrapper, and MQTT.
 *
 * <p>Threading: {@link #send} and {@link #broadcast} may be called by many threads at once.
 * {@link #receive} is called by one thread at a time (the box's current leader), and
 * {@link #wakeup} by any thread to make that call return early.
 *
 * <p>Nothing here throws for a packet that is lost, malformed or unroutable: networks are
 * unreliable by contract and the box counts drops. {@link IOException} means the network itself
 * is broken (socket closed, broker gone).
 */
public interface Network extends AutoCloseable {

  /** A short name for logs and statistics, e.g. {@code udp:lo:239.77.0.1:7700}. */
  String name();

  /** The station other members of this network use to reach this one. */
  Station self();

  /** The largest packet, in bytes, this network carries in one datagram (header included). */
  int maxPacketBytes();

  /** Sends {@code packet} (position to limit, left unchanged) to one station. */
  void send(ByteBuffer packet, Station to) throws IOException;

  /** Sends {@code packet} (position to limit, left unchanged) to every station, this one too. */
  void broadcast(ByteBuffer packet) throws IOException;

  /**
   * Sends {@code packet} (position to limit, left unchanged) to every station that {@linkplain
   * #subscribe subscribed} to FLIP group {@code group} (and perhaps to others: the box filters).
   * By default a broadcast; a network that can narrow it (IP multicast groups) spares the
   * stations that have no member of the group a wake-up per packet.
   */
  default void multicast(ByteBuffer packet, long group) throws IOException {
    broadcast(packet);
  }

  /** From now on this station wants the packets {@link #multicast} to {@code group}. Counted. */
  default void subscribe(long group) throws IOException {}

  /** Undoes one {@link #subscribe} of {@code group}. */
  default void unsubscribe(long group) {}

  /** This station wants every group's packets, subscribed or not (a router forwards them). */
  default void subscribeAll() throws IOException {}

  /**
   * Waits up to {@code timeoutNanos} for one packet and writes it into {@code into} from its
   * position (the buffer's limit bounds the size; a longer packet is truncated and the caller
   * sees a bad length). Returns the sender, or {@code null} on timeout or after {@link #wakeup}.
   */
  Station receive(ByteBuffer into, long timeoutNanos) throws IOException;

  /** Makes a {@link #receive} that is blocked now, or the next one, return {@code null} soon. */
  void wakeup();

  @Override
  void close();
}
