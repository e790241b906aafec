package amoeba.flip.security;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amoeba.flip.wire.FlipHeader;
import amoeba.flip.wire.PacketFlags;
import amoeba.flip.wire.PacketType;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

class PacketAuthenticatorTest {
  private static final byte[] KEY = "pool key: 32 bytes of secret....".getBytes();
  private final PacketAuthenticator auth = new PacketAuthenticator(KEY);

  /** Header + payload at {@code at}, with room for the tag; returns the length without tag. */
  static int fill(ByteBuffer b, int at, byte[] payload) {
    FlipHeader.write(
        b, at, PacketType.UNIDATA, PacketFlags.AUTHENTICATED, 8, 7, 1, 2L, 3L, payload.length, 0,
        payload.length, 42, 0xE90CL);
    b.put(FlipHeader.payloadOffset(at), payload);
    return FlipHeader.LENGTH + payload.length;
  }

  static ByteBuffer buffer(boolean direct, int size) {
    return direct ? ByteBuffer.allocateDirect(size) : ByteBuffer.allocate(size);
  }

  @Property
  void signedPacketsVerify(
      @ForAll @Size(max = 3000) byte[] payload,
      @ForAll @IntRange(max = 7) int at,
      @ForAll boolean direct) {
    ByteBuffer b = buffer(direct, at + FlipHeader.LENGTH + payload.length + 16);
    int n = auth.sign(b, at, fill(b, at, payload));
    assertEquals(FlipHeader.LENGTH + payload.length + 16, n);
    assertEquals(0, b.position());
    assertTrue(auth.verify(b, at, n));
    assertTrue(auth.verify(b.asReadOnlyBuffer(), at, n));
    assertFalse(new PacketAuthenticator(Arrays.copyOf(KEY, 16)).verify(b, at, n));
  }

  @Test
  void tagIsTruncatedStandardHmacSha256WithHopCountZero() throws Exception {
    ByteBuffer b = ByteBuffer.allocate(200);
    int len = fill(b, 0, new byte[] {1, 2, 3, 4, 5});
    FlipHeader.hopCount(b, 0, 3);
    auth.sign(b, 0, len);
    byte[] signed = Arrays.copyOf(b.array(), len);
    signed[FlipHeader.HOP_COUNT_OFFSET] = 0;
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(KEY, "HmacSHA256"));
    byte[] expected = Arrays.copyOf(mac.doFinal(signed), 16);
    assertArrayEquals(expected, Arrays.copyOfRange(b.array(), len, len + 16));

    // Keys longer than a SHA-256 block are hashed first, as RFC 2104 says.
    byte[] longKey = new byte[100];
    new SplittableRandom(1).nextBytes(longKey);
    new PacketAuthenticator(longKey).sign(b, 0, len);
    mac.init(new SecretKeySpec(longKey, "HmacSHA256"));
    assertArrayEquals(
        Arrays.copyOf(mac.doFinal(signed), 16), Arrays.copyOfRange(b.array(), len, len + 16));
  }

  @Test
  void everySingleBitFlipFailsExceptInTheHopCount() {
    for (boolean direct : new boolean[] {false, true}) {
      ByteBuffer b = buffer(direct, 2 + FlipHeader.LENGTH + 40 + 16);
      byte[] payload = new byte[40];
      new SplittableRandom(7).nextBytes(payload);
      int n = auth.sign(b, 2, fill(b, 2, payload));
      for (int i = 2; i < 2 + n; i++) {
        for (int bit = 0; bit < 8; bit++) {
          b.put(i, (byte) (b.get(i) ^ (1 << bit)));
          boolean hopByte = i - 2 == FlipHeader.HOP_COUNT_OFFSET;
          assertEquals(hopByte, auth.verify(b, 2, n), "byte " + (i - 2) + " bit " + bit);
          b.put(i, (byte) (b.get(i) ^ (1 << bit)));
        }
      }
      assertTrue(auth.verify(b, 2, n));
    }
  }

  @Test
  void badLengthsAnswerFalseAndBadKeysOrRoomThrow() {
    ByteBuffer b = ByteBuffer.allocate(100);
    int n = auth.sign(b, 0, fill(b, 0, new byte[4]));
    assertTrue(auth.verify(b, 0, n));
    assertFalse(auth.verify(b, 0, n - 1));
    assertFalse(auth.verify(b, 0, 101));
    assertFalse(auth.verify(b, -1, n));
    assertFalse(auth.verify(b, 0, FlipHeader.LENGTH + 15));
    assertFalse(auth.verify(b, 0, Integer.MIN_VALUE));
    assertFalse(auth.verify(b, Integer.MAX_VALUE, n));
    assertThrows(IllegalArgumentException.class, () -> new PacketAuthenticator(new byte[15]));
    assertThrows(IndexOutOfBoundsException.class, () -> auth.sign(b, 0, 90));
  }

  @Test
  void manyThreadsSignAndVerifyAtOnce() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      Future<?>[] jobs = new Future<?>[8];
      for (int t = 0; t < jobs.length; t++) {
        int seed = t;
        jobs[t] =
            pool.submit(
                () -> {
                  SplittableRandom random = new SplittableRandom(seed);
                  ByteBuffer b = ByteBuffer.allocateDirect(2000);
                  for (int i = 0; i < 2000; i++) {
                    byte[] payload = new byte[random.nextInt(1900)];
                    random.nextBytes(payload);
                    int n = auth.sign(b, 0, fill(b, 0, payload));
                    assertTrue(auth.verify(b, 0, n));
                    b.put(n - 1, (byte) (b.get(n - 1) ^ 1));
                    assertFalse(auth.verify(b, 0, n));
                  }
                });
      }
      for (Future<?> job : jobs) {
        job.get();
      }
    } finally {
      pool.shutdownNow();
    }
  }
}
