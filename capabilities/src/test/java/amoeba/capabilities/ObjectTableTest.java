package amoeba.capabilities;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

class ObjectTableTest {
  static final Port PUT = new Port(0x0a0b0c0d0e0fL);
  final CheckScheme scheme = new CheckScheme(new Random(7));
  final ObjectTable<String> table = new ObjectTable<>(PUT, scheme);

  @Test
  void ownerCapabilityFindsTheObject() throws Exception {
    Capability a = table.allocate("a");
    Capability b = table.allocate("b");
    assertTrue(a.isOwner());
    assertEquals(PUT, a.port());
    assertNotEquals(a.object(), b.object());
    assertEquals("a", table.lookup(a, Rights.ALL));
    assertEquals("b", table.lookup(b, Rights.READ));
    assertEquals(ErrorCode.OK, table.status(a, Rights.ALL));
    assertEquals(2, table.size());
  }

  @Test
  void refusalsCarryTheirErrorCodes() throws Exception {
    Capability owner = table.allocate("x");
    Capability read = table.restrict(owner, Rights.READ);
    assertEquals("x", table.lookup(read, Rights.READ));
    assertCode(ErrorCode.DENIED, () -> table.lookup(read, Rights.MODIFY));
    assertEquals(ErrorCode.DENIED, table.status(read, Rights.READ | Rights.MODIFY));

    Capability otherServer = new Capability(new Port(1), owner.object(), 0xFF, owner.check());
    assertCode(ErrorCode.CAPBAD, () -> table.lookup(otherServer, 0));
    assertEquals(ErrorCode.CAPBAD, table.status(otherServer, 0));

    Capability forged = new Capability(PUT, owner.object(), 0xFF, owner.check() ^ 1);
    assertCode(ErrorCode.CAPBAD, () -> table.lookup(forged, 0));

    Capability widened = new Capability(PUT, read.object(), Rights.READ | Rights.MODIFY, read.check());
    assertCode(ErrorCode.CAPBAD, () -> table.lookup(widened, Rights.READ));

    Capability missing = new Capability(PUT, owner.object() + 1, 0xFF, owner.check());
    assertCode(ErrorCode.NO_SUCH_OBJECT, () -> table.lookup(missing, 0));
    assertEquals(ErrorCode.NO_SUCH_OBJECT, table.status(missing, 0));
  }

  @Test
  void forgedChecksAreNeverAccepted() throws Exception {
    List<Capability> owners = new ArrayList<>();
    for (int i = 0; i < 16; i++) {
      owners.add(table.allocate("o" + i));
    }
    SplittableRandom random = new SplittableRandom(2024);
    int accepted = 0;
    int tried = 1_000_000;
    for (int i = 0; i < tried; i++) {
      Capability real = owners.get(random.nextInt(owners.size()));
      Capability guess =
          new Capability(PUT, real.object(), random.nextInt(256),
              random.nextLong() & Capability.CHECK_MASK);
      if (table.status(guess, Rights.NONE) != ErrorCode.CAPBAD) {
        accepted++;
      }
    }
    assertEquals(0, accepted, "forgeries accepted out of " + tried);
  }

  @Test
  void revokeInvalidatesEverythingMadeFromTheOldSecret() throws Exception {
    Capability owner = table.allocate("doc");
    Capability read = table.restrict(owner, Rights.READ);
    Capability local = scheme.restrict(owner, Rights.READ | Rights.MODIFY);
    assertEquals("doc", table.lookup(local, Rights.MODIFY));

    Capability fresh = table.revoke(owner);

    assertEquals(owner.object(), fresh.object());
    assertNotEquals(owner.check(), fresh.check());
    for (Capability stale : List.of(owner, read, local)) {
      assertCode(ErrorCode.CAPBAD, () -> table.lookup(stale, Rights.NONE));
    }
    assertCode(ErrorCode.CAPBAD, () -> table.revoke(owner));
    assertEquals("doc", table.lookup(fresh, Rights.ALL));
    assertEquals("doc", table.lookup(table.restrict(fresh, Rights.READ), Rights.READ));
  }

  @Test
  void onlyTheOwnerRevokes() throws Exception {
    Capability owner = table.allocate("doc");
    Capability almostAll = table.restrict(owner, 0x7F);
    assertCode(ErrorCode.DENIED, () -> table.revoke(almostAll));
    assertEquals("doc", table.lookup(owner, Rights.ALL));
  }

  @Test
  void removeNeedsTheDeleteRight() throws Exception {
    Capability owner = table.allocate("gone");
    Capability read = table.restrict(owner, Rights.READ);
    assertCode(ErrorCode.DENIED, () -> table.remove(read));
    assertEquals("gone", table.remove(owner));
    assertEquals(0, table.size());
    assertCode(ErrorCode.NO_SUCH_OBJECT, () -> table.lookup(owner, Rights.NONE));
  }

  @Test
  void aReusedNumberGetsAFreshSecret() throws Exception {
    ObjectTable<String> two = new ObjectTable<>(PUT, scheme, 2);
    Capability first = two.allocate("first");
    Capability read = two.restrict(first, Rights.READ);
    two.allocate("other");
    assertCode(ErrorCode.NOSPACE, () -> two.allocate("third"));
    two.remove(first);

    Capability reused = two.allocate("reused");

    assertEquals(first.object(), reused.object());
    assertNotEquals(first.check(), reused.check());
    assertCode(ErrorCode.CAPBAD, () -> two.lookup(first, Rights.NONE));
    assertCode(ErrorCode.CAPBAD, () -> two.lookup(read, Rights.READ));
    assertEquals("reused", two.lookup(reused, Rights.ALL));
  }

  @Test
  void manyThreadsAllocatingAndLookingUpStayConsistent() throws Exception {
    int threads = 8;
    int perThread = 2_000;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    CountDownLatch start = new CountDownLatch(1);
    Set<Integer> numbers = ConcurrentHashMap.newKeySet();
    try {
      List<Future<Integer>> results = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int id = t;
        Callable<Integer> work = () -> {
          start.await();
          int ok = 0;
          for (int i = 0; i < perThread; i++) {
            String value = id + "/" + i;
            Capability owner = table.allocate(value);
            if (!numbers.add(owner.object())) {
              throw new AssertionError("object number handed out twice: " + owner.object());
            }
            Capability read = table.restrict(owner, Rights.READ);
            if (i % 3 == 0) {
              owner = table.revoke(owner);
              if (table.status(read, Rights.READ) != ErrorCode.CAPBAD) {
                throw new AssertionError("revoked capability still valid: " + value);
              }
              read = table.restrict(owner, Rights.READ);
            }
            if (value.equals(table.lookup(owner, Rights.ALL))
                && value.equals(table.lookup(read, Rights.READ))) {
              ok++;
            }
          }
          return ok;
        };
        results.add(pool.submit(work));
      }
      start.countDown();
      for (Future<Integer> f : results) {
        assertEquals(perThread, f.get());
      }
    } finally {
      pool.shutdownNow();
    }
    assertEquals(threads * perThread, table.size());
    assertEquals(threads * perThread, numbers.size());
  }

  @Test
  void nullPortIsRefused() {
    assertThrows(IllegalArgumentException.class, () -> new ObjectTable<String>(Port.NULL, scheme));
  }

  @Test
  void objectNumbersAreDistinctAcrossAllocations() throws Exception {
    Set<Integer> seen = new HashSet<>();
    for (int i = 0; i < 1000; i++) {
      assertTrue(seen.add(table.allocate("n").object()));
    }
  }

  private static void assertCode(ErrorCode expected, Executable call) {
    CapabilityException e = assertThrows(CapabilityException.class, call);
    assertEquals(expected, e.code(), e.getMessage());
  }
}
