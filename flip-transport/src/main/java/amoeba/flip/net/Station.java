package amoeba.flip.net;

/**
 * Where a packet came from or goes to on one {@link Network}: an IP address and port, a loopback
 * host number, an MQTT client. Opaque to the box, which only keeps stations in its hint cache
 * and hands them back to the network they came from. Implementations are immutable and have
 * value equality; a network reuses one instance per peer so the receive path allocates nothing.
 */
public interface Station {
  /** For logs and statistics. */
  @Override
  String toString();
}
