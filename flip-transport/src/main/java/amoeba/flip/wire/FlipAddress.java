package amoeba.flip.wire;

import amoeba.capabilities.OneWay;
import java.util.random.RandomGenerator;

/**
 * FLIP addresses as plain {@code long}s (no objects on the packet path).
 *
 * <pre>
 *   63                                                    8 7       0
 *  +-------------------------------------------------------+---------+
 *  |                 identifier (56 bits)                  |  space  |
 *  +-------------------------------------------------------+---------+
 *
 *  space 0x00  process/endpoint: random 56-bit identifier (fresh per process instance)
 *  space 0x01  port: identifier = a 48-bit Amoeba port (top 8 identifier bits 0)
 *  space 0x80  group: 56-bit group identifier
 *  space 0x81  group named by a 48-bit port
 *  bit 0x80 of the space byte = group (multicast) address; 0x01 = identifier is a 48-bit port
 * </pre>
 *
 * <p>A process registers its private address and receives what is sent to the public one,
 * {@link #publicOf} = F(identifier) in the same space, so nobody can register as someone else.
 * F runs over the identifier's width in that space: 56 bits, or 48 for the port spaces, so the
 * public address of a server's get-port is exactly the address of its put-port:
 * {@code publicOf(ofPort(g)) == ofPort(OneWay.apply(g, 48))}. {@link #ofPort} is injective
 * (the port occupies the identifier bits unchanged). Address 0 is the null address.
 */
public final class FlipAddress {
  public static final long NULL = 0;
  public static final int SPACE_PROCESS = 0x00;
  public static final int SPACE_PORT = 0x01;
  public static final int SPACE_GROUP = 0x80;
  public static final int SPACE_GROUP_PORT = 0x81;
  /** Space bit: a group (multicast) address. */
  public static final int GROUP_BIT = 0x80;
  /** Space bit: the identifier is a 48-bit port. */
  public static final int PORT_BIT = 0x01;

  public static final int IDENTIFIER_BITS = 56;
  public static final int PORT_BITS = 48;
  private static final long IDENTIFIER_MASK = (1L << IDENTIFIER_BITS) - 1;
  private static final long PORT_MASK = (1L << PORT_BITS) - 1;

  private FlipAddress() {}

  /** Builds an address; {@code identifier} must fit in 56 bits, {@code space} in 8. */
  public static long of(long identifier, int space) {
    if ((identifier & ~IDENTIFIER_MASK) != 0 || (space & ~0xFF) != 0) {
      throw new IllegalArgumentException(
          "identifier must fit 56 bits and space 8: " + Long.toHexString(identifier) + "/" + space);
    }
    return identifier << 8 | space;
  }

  /** The 56-bit identifier. */
  public static long identifier(long address) {
    return address >>> 8;
  }

  /** The 8-bit address space. */
  public static int space(long address) {
    return (int) (address & 0xFF);
  }

  /** The FLIP address of a 48-bit port (space 0x01). Injective over 0..2^48-1. */
  public static long ofPort(long port48) {
    return of(checkPort(port48), SPACE_PORT);
  }

  /** The group address named by a 48-bit port (space 0x81). */
  public static long groupOfPort(long port48) {
    return of(checkPort(port48), SPACE_GROUP_PORT);
  }

  /** The port of a port-space address (0x01 or 0x81), or -1 for another space. */
  public static long portOf(long address) {
    long id = identifier(address);
    return (space(address) & PORT_BIT) != 0 && (id & ~PORT_MASK) == 0 ? id : -1;
  }

  /** Whether this is a group (multicast) address: bit 0x80 of the space byte. */
  public static boolean isGroup(long address) {
    return (address & GROUP_BIT) != 0;
  }

  /**
   * The public address of a private one: F over the identifier (48 bits in the port spaces, 56
   * otherwise), same space. Not for the packet path (F hashes with SHA-256).
   */
  public static long publicOf(long privateAddress) {
    int space = space(privateAddress);
    long id = identifier(privateAddress);
    long publicId =
        (space & PORT_BIT) != 0
            ? OneWay.apply(id & PORT_MASK, PORT_BITS)
            : OneWay.apply(id, IDENTIFIER_BITS);
    return publicId << 8 | space;
  }

  /** A fresh random private process address (space 0x00, identifier never 0). */
  public static long randomPrivate(RandomGenerator random) {
    long id;
    do {
      id = random.nextLong() & IDENTIFIER_MASK;
    } while (id == 0);
    return id << 8 | SPACE_PROCESS;
  }

  /** 16 lowercase hex digits, zero-padded. */
  public static String toString(long address) {
    String hex = Long.toHexString(address);
    return "0".repeat(16 - hex.length()) + hex;
  }

  private static long checkPort(long port48) {
    if ((port48 & ~PORT_MASK) != 0) {
      throw new IllegalArgumentException("port must fit 48 bits: " + Long.toHexString(port48));
    }
    return port48;
  }
}
