package amoeba.flip.mqtt;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The payload of one MQTT message carrying one FLIP packet. MQTT tells a subscriber nothing about
 * who published, so the sender's client id (its {@link MqttStation}) travels in front:
 *
 * <pre>
 *   0               1                               1 + n
 *  +---------------+-------------------------------+--------------------------------------+
 *  | n (u8, 1..255)| sender client id (n bytes,    | FLIP packet: header, payload, tag     |
 *  |               | US-ASCII [A-Za-z0-9_-])       | (the same bytes as one UDP datagram)  |
 *  +---------------+-------------------------------+--------------------------------------+
 * </pre>
 *
 * <p>The id is not authenticated: like a UDP source address it is only a hint for where to
 * answer. A forged id can misdirect answers, never forge a FLIP packet (the tag covers that).
 */
public final class MqttFrame {
  /** Offset of the sender id. */
  public static final int ID_OFFSET = 1;

  /** The longest sender id the one-byte length can carry. */
  public static final int MAX_ID_BYTES = 255;

  private MqttFrame() {}

  /** Letters, digits, '-' and '_', 1..255 characters: safe as a topic level and as a frame id. */
  static boolean validClientId(String id) {
    if (id.isEmpty() || id.length() > MAX_ID_BYTES) {
      return false;
    }
    for (int i = 0; i < id.length(); i++) {
      if (!validIdByte(id.charAt(i))) {
        return false;
      }
    }
    return true;
  }

  private static boolean validIdByte(int c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
        || c == '-' || c == '_';
  }

  /** The id bytes of a sender, to be written by {@link #encode}. */
  static byte[] idBytes(String clientId) {
    if (!validClientId(clientId)) {
      throw new IllegalArgumentException("not a usable client id: '" + clientId + "'");
    }
    return clientId.getBytes(StandardCharsets.US_ASCII);
  }

  /**
   * A new frame array: {@code id} then {@code packet} (position to limit, left unchanged). A new
   * array each time because Paho keeps it until its sender thread has written it.
   */
  static byte[] encode(byte[] id, ByteBuffer packet) {
    int length = packet.remaining();
    byte[] frame = new byte[ID_OFFSET + id.length + length];
    frame[0] = (byte) id.length;
    System.arraycopy(id, 0, frame, ID_OFFSET, id.length);
    packet.get(packet.position(), frame, ID_OFFSET + id.length, length); // absolute: no move
    return frame;
  }

  /**
   * Where the FLIP packet starts in {@code frame}, or -1 if the frame is malformed: empty, an id
   * length of 0, an id running past the end, or an id byte outside the allowed set. A frame with
   * an empty packet is well formed (the box counts it as too short).
   */
  static int packetOffset(byte[] frame, int frameLength) {
    if (frameLength < ID_OFFSET) {
      return -1;
    }
    int n = frame[0] & 0xff;
    if (n == 0 || ID_OFFSET + n > frameLength) {
      return -1;
    }
    for (int i = ID_OFFSET; i < ID_OFFSET + n; i++) {
      if (!validIdByte(frame[i])) {
        return -1;
      }
    }
    return ID_OFFSET + n;
  }

  /** The sender id of a frame that passed {@link #packetOffset}. */
  static String senderId(byte[] frame) {
    return new String(frame, ID_OFFSET, frame[0] & 0xff, StandardCharsets.US_ASCII);
  }
}
