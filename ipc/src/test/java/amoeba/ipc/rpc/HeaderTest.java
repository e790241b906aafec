package amoeba.ipc.rpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import amoeba.capabilities.Capability;
import amoeba.capabilities.Port;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** The two headers: exact bytes, round trips, and refusals. */
class HeaderTest {
  @Test
  void layoutIsPinnedByteForByte() {
    ByteBuffer b = ByteBuffer.allocate(RpcHeader.HEADERS).order(ByteOrder.LITTLE_ENDIAN);
    RpcHeader.write(b, 0, RpcType.REPLY, RpcHeader.FLAG_RETRANSMISSION, 0x01020304,
        0x1112131415161718L);
    AmoebaHeader.write(b, RpcHeader.LENGTH, 0xa1a2a3a4a5a6L, 0xb1b2b3b4b5b6L, 0xc1c2c3, 0xd1,
        0xe1e2e3e4e5e6L, -1000, 0x0f0e0d0c, 0xfedc, 0x1234);
    assertEquals(
        "0102000101020304111213141516171" + "8"
            + "a1a2a3a4a5a6b1b2b3b4b5b6c1c2c3d1e1e2e3e4e5e6fc180f0e0d0cfedc1234",
        HexFormat.of().formatHex(b.array()));
    assertNull(RpcHeader.check(b, 0, RpcHeader.HEADERS));
    assertEquals(RpcType.REPLY, RpcHeader.type(b, 0));
    assertEquals(0x01020304, RpcHeader.tid(b, 0));
    assertEquals(0x1112131415161718L, RpcHeader.instance(b, 0));
    int h = RpcHeader.LENGTH;
    assertEquals(-1000, AmoebaHeader.command(b, h));
    assertEquals(0xfedc, AmoebaHeader.size(b, h));
    assertEquals(0x1234, AmoebaHeader.extra(b, h));
    assertEquals(0xc1c2c3, AmoebaHeader.object(b, h));
    assertEquals(0xd1, AmoebaHeader.rights(b, h));
  }

  @Test
  void messageRoundTripsThroughTheWire() {
    Capability cap = new Capability(new Port(0x123456789abcL), 77, 0x06, 0xfedcba987654L);
    RpcMessage m = new RpcMessage().capability(cap).command(2001).offset(-5).size(9).extra(10);
    ByteBuffer b = ByteBuffer.allocate(RpcHeader.HEADERS + 3);
    RpcHeader.write(b, 0, RpcType.REQUEST, 0, 9, 0);
    m.writeHeader(b, RpcHeader.LENGTH);
    b.put(RpcHeader.HEADERS, new byte[] {1, 2, 3});
    RpcMessage back = new RpcMessage();
    back.readFrom(b, 0, b.capacity(), null);
    assertEquals(cap, back.capability());
    assertEquals(2001, back.command());
    assertEquals(-5, back.offset());
    assertEquals(9, back.size());
    assertEquals(10, back.extra());
    assertEquals(3, back.dataLength());
    assertEquals(3, back.data().get(back.data().position() + 2));
  }

  @Test
  void refusesShortWrongVersionAndUnknownType() {
    ByteBuffer b = ByteBuffer.allocate(64);
    RpcHeader.write(b, 0, RpcType.REQUEST, 0, 1, 0);
    assertEquals(RpcHeader.Problem.SHORT, RpcHeader.check(b, 0, RpcHeader.HEADERS - 1));
    assertEquals(RpcHeader.Problem.SHORT, RpcHeader.check(b, 20, RpcHeader.HEADERS));
    assertEquals(RpcHeader.Problem.SHORT, RpcHeader.check(b, -1, RpcHeader.HEADERS));
    b.put(RpcHeader.TYPE_OFFSET, (byte) 0);
    assertEquals(RpcHeader.Problem.TYPE, RpcHeader.check(b, 0, RpcHeader.HEADERS));
    b.put(RpcHeader.TYPE_OFFSET, (byte) 99);
    assertEquals(RpcHeader.Problem.TYPE, RpcHeader.check(b, 0, RpcHeader.HEADERS));
    b.put(RpcHeader.VERSION_OFFSET, (byte) 2);
    assertEquals(RpcHeader.Problem.VERSION, RpcHeader.check(b, 0, RpcHeader.HEADERS));
  }

  @Test
  void typeNumbersArePinned() {
    int[] codes = {1, 2, 3, 4, 5, 6, 7, 8, 9};
    RpcType[] types = RpcType.values();
    assertEquals(codes.length, types.length);
    for (int i = 0; i < codes.length; i++) {
      assertEquals(codes[i], types[i].code(), types[i].name());
      assertEquals(types[i], RpcType.fromCode(codes[i]));
    }
  }
}
