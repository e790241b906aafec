package amoeba.capabilities;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

class CheckSchemeTest {
  static final Port PUT = new Port(0x0a0b0c0d0e0fL);
  final CheckScheme scheme = new CheckScheme(new Random(1));
  final long secret = scheme.newSecret();
  final Capability owner = CheckScheme.owner(PUT, 42, secret);

  @Test
  void ownerCheckIsTheSecretAndRestrictedIsTheSpecifiedHmac() throws Exception {
    assertEquals(secret, owner.check());
    // The check scheme as documented, computed independently of CheckScheme.
    Mac mac = Mac.getInstance("HmacSHA256");
    byte[] key = new byte[6];
    ByteBuffer.wrap(new byte[8]).putLong(0, secret).get(2, key);
    mac.init(new SecretKeySpec(key, "HmacSHA256"));
    byte[] digest = mac.doFinal(new byte[] {(byte) Rights.READ});
    long low48 = ByteBuffer.wrap(digest).getLong(24) & CheckScheme.SECRET_MASK;
    assertEquals(low48, scheme.check(secret, Rights.READ));
  }

  @Test
  void checksEqualJavaxCryptoHmacForEveryRightsByte() throws Exception {
    Mac mac = Mac.getInstance("HmacSHA256");
    for (int k = 0; k < 64; k++) {
      long r = k == 0 ? CheckScheme.SECRET_MASK : scheme.newSecret(); // the all-ones key too
      byte[] key = new byte[6];
      ByteBuffer.wrap(new byte[8]).putLong(0, r).get(2, key);
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      for (int rights = 0; rights < Rights.ALL; rights++) {
        byte[] digest = mac.doFinal(new byte[] {(byte) rights});
        long low48 = ByteBuffer.wrap(digest).getLong(24) & CheckScheme.SECRET_MASK;
        assertEquals(low48, scheme.check(r, rights), "key " + r + " rights " + rights);
      }
      assertEquals(r, scheme.check(r, Rights.ALL));
    }
  }

  @Test
  void restrictionIsMonotoneAndValidatesForAll256Masks() throws Exception {
    Set<Long> checks = new HashSet<>();
    for (int mask = 0; mask <= 0xFF; mask++) {
      Capability r = scheme.restrict(owner, mask);
      assertEquals(mask, r.rights(), "owner & mask");
      assertTrue(scheme.validate(r, secret));
      assertEquals(owner.object(), r.object());
      assertEquals(owner.port(), r.port());
      checks.add(r.check());
      // Restricting again, on the server side, never adds a right back.
      for (int again : new int[] {0x00, 0x0F, 0x55, 0xAA, 0xFF, mask ^ 0xFF}) {
        Capability rr = scheme.restrict(r, again, secret);
        assertEquals(mask & again, rr.rights());
        assertTrue(scheme.validate(rr, secret));
      }
    }
    assertEquals(256, checks.size(), "every rights byte gives its own check");
  }

  @Test
  void aRestrictedCheckValidatesForItsRightsByteOnly() throws Exception {
    for (int mask = 0; mask <= 0xFF; mask++) {
      Capability r = scheme.restrict(owner, mask);
      for (int other = 0; other <= 0xFF; other++) {
        if (other != mask) {
          Capability edited = new Capability(r.port(), r.object(), other, r.check());
          assertFalse(scheme.validate(edited, secret), mask + " edited to " + other);
        }
      }
    }
  }

  @Test
  void anotherSecretValidatesNothing() throws Exception {
    long other = scheme.newSecret();
    assertNotEquals(secret, other);
    assertFalse(scheme.validate(owner, other));
    assertFalse(scheme.validate(scheme.restrict(owner, Rights.READ), other));
  }

  @Test
  void restrictingANonOwnerLocallyNeedsTheServer() throws Exception {
    Capability read = scheme.restrict(owner, Rights.READ | Rights.MODIFY);
    var e = assertThrows(NeedsServerException.class, () -> scheme.restrict(read, Rights.READ));
    assertEquals(StdCommand.STD_RESTRICT, e.command());
    assertTrue(e.getMessage().contains("STD_RESTRICT"), e.getMessage());
    assertEquals(Rights.READ, scheme.restrict(read, Rights.READ, secret).rights());
  }

  @Test
  void serverRestrictRefusesAForgery() {
    Capability forged = new Capability(PUT, 42, Rights.READ, 12345);
    var e = assertThrows(CapabilityException.class, () -> scheme.restrict(forged, 0x0F, secret));
    assertEquals(ErrorCode.CAPBAD, e.code());
  }

  @Test
  void ownerMaskAllIsTheSameCapability() throws Exception {
    assertEquals(owner, scheme.restrict(owner, Rights.ALL));
  }

  @Test
  void secretsAreNeverZero() {
    // A generator that offers 0 (mod 2^48) first.
    long[] draws = {1L << 48, 0, 7};
    CheckScheme s =
        new CheckScheme(
            new java.util.random.RandomGenerator() {
              int i;

              @Override
              public long nextLong() {
                return draws[i++];
              }
            });
    assertEquals(7, s.newSecret());
  }

  @Test
  void bootstrapSecretIsDeterministicPerPortAndObject() {
    Port get = new Port(0x112233445566L);
    CheckScheme other = new CheckScheme(new Random(99));
    long a = scheme.bootstrapSecret(get, 1);
    assertEquals(a, other.bootstrapSecret(get, 1));
    assertNotEquals(a, scheme.bootstrapSecret(get, 2));
    assertNotEquals(a, scheme.bootstrapSecret(new Port(0x112233445567L), 1));
    assertEquals(0, a & ~CheckScheme.SECRET_MASK);
    assertNotEquals(0, a);
  }

  @Test
  void constantTimeEqualsIsEquality() {
    assertTrue(CheckScheme.constantTimeEquals(5, 5));
    assertFalse(CheckScheme.constantTimeEquals(5, 4));
    assertFalse(CheckScheme.constantTimeEquals(1L << 47, 0));
  }

  @Test
  void sharedAcrossThreadsGivesTheSameChecks() throws Exception {
    long expected = scheme.check(secret, Rights.READ);
    long[] seen = new long[4];
    Thread[] threads = new Thread[seen.length];
    for (int t = 0; t < threads.length; t++) {
      int slot = t;
      threads[t] = new Thread(() -> {
        long c = 0;
        for (int i = 0; i < 1000; i++) {
          c |= scheme.check(secret, Rights.READ) ^ expected;
        }
        seen[slot] = c;
      });
      threads[t].start();
    }
    for (Thread t : threads) {
      t.join();
    }
    for (long c : seen) {
      assertEquals(0, c, "a thread computed a different check");
    }
  }
}
