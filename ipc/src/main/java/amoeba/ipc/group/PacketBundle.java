package amoeba.ipc.group;

import java.nio.ByteBuffer;

/**
 * Whole group packets of one kind gathered to go as one: an ORDERED_BUNDLE of the sequencer's
 * ORDERED, or a DATA_BUNDLE of a member's held DATA. The layout (see {@link
 * GroupHeader#forEachBundled}): a group header, then per packet its length (16 bits) and the
 * packet. At most {@code capacity} bytes: one unfragmented FLIP packet.
 */
final class PacketBundle {
  private final ByteBuffer buffer;
  private int count;
  private long firstSeq;
  private long bundlesTaken; // takes that made a bundle (several packets in one)

  PacketBundle(int capacity) {
    buffer = ByteBuffer.allocate(Math.max(capacity, GroupHeader.LENGTH));
  }

  /** Whether a packet of {@code length} bytes can share a bundle at all (else: alone). */
  boolean fits(int length) {
    return GroupHeader.LENGTH + GroupHeader.BUNDLE_LENGTH_BYTES + length <= buffer.capacity();
  }

  /** Whether a packet of {@code length} bytes fits beside what the bundle holds now. */
  boolean hasRoomFor(int length) {
    int used = count == 0 ? GroupHeader.LENGTH : buffer.position();
    return used + GroupHeader.BUNDLE_LENGTH_BYTES + length <= buffer.capacity();
  }

  /** Appends the first {@code length} bytes of {@code packet} (seq: the ORDERED's, or 0). */
  void add(ByteBuffer packet, int length, long seq) {
    if (count == 0) {
      buffer.clear().position(GroupHeader.LENGTH);
      firstSeq = seq;
    }
    int at = buffer.position();
    GroupHeader.putBundledLength(buffer, at, length);
    buffer.put(at + GroupHeader.BUNDLE_LENGTH_BYTES, packet, 0, length);
    buffer.position(at + GroupHeader.BUNDLE_LENGTH_BYTES + length);
    count++;
  }

  /** How many times {@link #take} returned a bundle of several packets. */
  long bundlesTaken() {
    return bundlesTaken;
  }

  /**
   * Empties the bundle and returns what to send: null if it held nothing, the packet itself if
   * it held one, else the bundle with its header written (type, incarnation, member, aux =
   * count, seq = the first packet's, accepted, stable). The view is valid until the next add.
   */
  ByteBuffer take(GroupMessageType type, int incarnation, int member, long accepted, long stable) {
    int n = count;
    count = 0;
    if (n == 0) {
      return null;
    }
    int end = buffer.position();
    if (n == 1) {
      int alone = GroupHeader.LENGTH + GroupHeader.BUNDLE_LENGTH_BYTES; // the packet itself
      return buffer.duplicate().limit(end).position(alone);
    }
    GroupHeader.write(buffer, 0, type, 0, incarnation, member, n, firstSeq, 0, accepted, stable);
    bundlesTaken++;
    return buffer.duplicate().limit(end).position(0);
  }
}
