package amoeba.flip.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class FaultyNetworkTest {

  private static final long MS = 1_000_000L;

  /** A hand-driven clock, nanoseconds. */
  private final AtomicLong clock = new AtomicLong(1_000_000_000L);

  private FaultyNetwork faulty(LoopbackNetwork inner, long seed) {
    return new FaultyNetwork(inner, new Random(seed), clock::get, FaultyNetwork.DEFAULT_MAX_HELD);
  }

  private static void sendId(Network from, Station to, int id) throws IOException {
    ByteBuffer b = ByteBuffer.allocate(4).putInt(0, id);
    from.send(b, to);
  }

  /** Receives (without waiting) until nothing more comes; appends the packet ids. */
  private static void drain(Network n, List<Integer> ids) throws IOException {
    ByteBuffer into = ByteBuffer.allocate(64);
    for (int i = 0; i < 100_000; i++) { // bound: far more than any test sends
      into.clear();
      if (n.receive(into, 0) == null) {
        return;
      }
      assertEquals(4, into.position());
      ids.add(into.getInt(0));
    }
    throw new AssertionError("drain did not end");
  }

  @Test
  void lossRateOverTenThousandPacketsIsNearTheProbability() throws Exception {
    LoopbackNetwork.Hub hub = new LoopbackNetwork.Hub();
    try (LoopbackNetwork s = hub.attach("s");
        FaultyNetwork r = faulty(hub.attach("r"), 42)) {
      r.setLossProbability(0.2);
      List<Integer> got = new ArrayList<>();
      for (int i = 0; i < 10_000; i++) {
        sendId(s, r.self(), i);
        drain(r, got);
      }
      // Binomial(10000, 0.2): sigma = 40; 5 sigma either side.
      assertTrue(Math.abs(got.size() - 8000) <= 200, "delivered " + got.size());
      assertEquals(10_000, got.size() + r.lost());
      assertEquals(new HashSet<>(got).size(), got.size(), "loss never duplicates");
    }
  }

  @Test
  void duplicatesFollowTheirOriginal() throws Exception {
    LoopbackNetwork.Hub hub = new LoopbackNetwork.Hub();
    try (LoopbackNetwork s = hub.attach("s");
        FaultyNetwork r = faulty(hub.attach("r"), 7)) {
      r.setDuplicateProbability(0.1);
      List<Integer> got = new ArrayList<>();
      for (int i = 0; i < 1000; i++) {
        sendId(s, r.self(), i);
        drain(r, got);
      }
      assertTrue(r.duplicated() > 50 && r.duplicated() < 150, "duplicated " + r.duplicated());
      assertEquals(1000 + r.duplicated(), got.size());
      int adjacentPairs = 0;
      for (int i = 1; i < got.size(); i++) {
        assertTrue(got.get(i) >= got.get(i - 1), "no reordering asked for");
        if (got.get(i).equals(got.get(i - 1))) {
          adjacentPairs++;
        }
      }
      assertEquals(r.duplicated(), adjacentPairs);
    }
  }

  @Test
  void reorderedPacketsAreOvertakenByTheNextOne() throws Exception {
    LoopbackNetwork.Hub hub = new LoopbackNetwork.Hub();
    try (LoopbackNetwork s = hub.attach("s");
        FaultyNetwork r = faulty(hub.attach("r"), 11)) {
      r.setReorderProbability(0.1);
      List<Integer> got = new ArrayList<>();
      for (int i = 0; i < 1000; i++) {
        sendId(s, r.self(), i);
        drain(r, got);
      }
      clock.addAndGet(FaultyNetwork.DEFAULT_REORDER_MAX_HOLD_NS); // releases a held tail
      drain(r, got);
      assertEquals(0, r.held());
      assertTrue(r.reordered() > 50, "reordered " + r.reordered());
      assertEquals(1000, got.size());
      assertEquals(1000, new HashSet<>(got).size(), "every packet exactly once");
      int inversions = 0;
      for (int i = 1; i < got.size(); i++) {
        if (got.get(i) < got.get(i - 1)) {
          inversions++;
        }
      }
      assertTrue(inversions > 0 && inversions <= r.reordered(), "inversions " + inversions);
    }
  }

  @Test
  void partitionDropsEverythingAcrossAndHealRestores() throws Exception {
    LoopbackNetwork.Hub hub = new LoopbackNetwork.Hub();
    try (FaultyNetwork b1 = faulty(hub.attach("b1"), 1);
        FaultyNetwork b2 = faulty(hub.attach("b2"), 2);
        FaultyNetwork b3 = faulty(hub.attach("b3"), 3)) {
      FaultyNetwork[] all = {b1, b2, b3};
      Partition cut = Partition.of(Set.of("b1", "b2"), Set.of("b3"));
      for (FaultyNetwork n : all) {
        n.setPartition(cut);
      }
      for (int i = 0; i < 10; i++) {
        b1.broadcast(ByteBuffer.allocate(4).putInt(0, i));
        b3.broadcast(ByteBuffer.allocate(4).putInt(0, 100 + i));
        sendId(b2, b3.self(), 200 + i);
      }
      List<Integer> at1 = new ArrayList<>();
      List<Integer> at2 = new ArrayList<>();
      List<Integer> at3 = new ArrayList<>();
      drain(b1, at1);
      drain(b2, at2);
      drain(b3, at3);
      assertEquals(10, at1.size(), "b1 hears itself only: " + at1);
      assertEquals(10, at2.size(), "b2 hears b1 only: " + at2);
      assertTrue(at1.stream().allMatch(id -> id < 100));
      assertTrue(at2.stream().allMatch(id -> id < 100));
      assertTrue(
          at3.stream().allMatch(id -> id >= 100 && id < 200), "b3 hears itself only: " + at3);
      assertEquals(10, b1.partitioned());
      assertEquals(10, b2.partitioned());
      assertEquals(20, b3.partitioned());

      for (FaultyNetwork n : all) {
        n.heal();
      }
      b3.broadcast(ByteBuffer.allocate(4).putInt(0, 300));
      for (FaultyNetwork n : all) {
        List<Integer> got = new ArrayList<>();
        drain(n, got);
        assertEquals(List.of(300), got, n.name());
      }
    }
  }

  @Test
  void dropNextDropsExactlyN() throws Exception {
    LoopbackNetwork.Hub hub = new LoopbackNetwork.Hub();
    try (LoopbackNetwork s = hub.attach("s");
        FaultyNetwork r = faulty(hub.attach("r"), 5)) {
      r.dropNext(5);
      for (int i = 0; i < 20; i++) {
        sendId(s, r.self(), i);
      }
      List<Integer> got = new ArrayList<>();
      drain(r, got);
      assertEquals(5, r.droppedNext());
      assertEquals(15, got.size());
      assertEquals(5, got.get(0));
      assertEquals(19, got.get(14));
    }
  }

  @Test
  void delayedPacketsComeOutWhenTheClockPassesTheirDueTime() throws Exception {
    LoopbackNetwork.Hub hub = new LoopbackNetwork.Hub();
    try (LoopbackNetwork s = hub.attach("s");
        FaultyNetwork r = faulty(hub.attach("r"), 9)) {
      r.setDelay(5 * MS, 0);
      sendId(s, r.self(), 1);
      ByteBuffer into = ByteBuffer.allocate(16);
      assertNull(r.receive(into, 0));
      assertEquals(1, r.delayed());
      assertEquals(1, r.held());
      clock.addAndGet(5 * MS - 1);
      assertNull(r.receive(into, 0), "1 ns early");
      clock.addAndGet(1);
      assertEquals(s.self(), r.receive(into, 0));
      assertEquals(1, into.getInt(0));
      assertEquals(0, r.held());

      // With jitter, all come out within delay + jitter, each exactly once.
      r.setDelay(1 * MS, 1 * MS);
      for (int i = 0; i < 100; i++) {
        sendId(s, r.self(), i);
      }
      List<Integer> got = new ArrayList<>();
      drain(r, got);
      assertEquals(List.of(), got);
      clock.addAndGet(2 * MS);
      drain(r, got);
      assertEquals(100, new HashSet<>(got).size());
    }
  }

  @Test
  void aReceiveWaitsOnlyUntilTheNextHeldPacketIsDue() throws Exception {
    LoopbackNetwork.Hub hub = new LoopbackNetwork.Hub();
    try (LoopbackNetwork s = hub.attach("s");
        FaultyNetwork r = new FaultyNetwork(hub.attach("r"), 3)) { // real clock
      r.setDelay(20 * MS, 0);
      sendId(s, r.self(), 77);
      long t0 = System.nanoTime();
      ByteBuffer into = ByteBuffer.allocate(16);
      assertEquals(s.self(), r.receive(into, TimeUnit.SECONDS.toNanos(30)));
      long tookNs = System.nanoTime() - t0;
      assertEquals(77, into.getInt(0));
      assertTrue(tookNs >= 20 * MS - MS && tookNs < TimeUnit.SECONDS.toNanos(5), "took " + tookNs);
    }
  }

  @Test
  void heldPacketsAreBoundedAndOverflowIsCounted() throws Exception {
    LoopbackNetwork.Hub hub = new LoopbackNetwork.Hub();
    try (LoopbackNetwork s = hub.attach("s");
        FaultyNetwork r = new FaultyNetwork(hub.attach("r"), new Random(1), clock::get, 4)) {
      r.setDelay(1000 * MS, 0);
      for (int i = 0; i < 10; i++) {
        sendId(s, r.self(), i);
      }
      List<Integer> got = new ArrayList<>();
      drain(r, got);
      assertEquals(List.of(4, 5, 6, 7, 8, 9), got, "past the bound, delivered unfaulted");
      assertEquals(4, r.held());
      assertEquals(4, r.delayed());
      assertEquals(6, r.holdOverflows());
    }
  }

  /** One run of mixed faults; returns what was delivered, then the counters. */
  private List<Long> mixedFaultRun(long seed) throws IOException {
    clock.set(5_000_000_000L);
    LoopbackNetwork.Hub hub = new LoopbackNetwork.Hub(4096, 1024);
    try (LoopbackNetwork s = hub.attach("s");
        FaultyNetwork r = faulty(hub.attach("r"), seed)) {
      r.setLossProbability(0.1);
      r.setDuplicateProbability(0.1);
      r.setReorderProbability(0.1);
      r.setDelay(0, 3 * MS);
      List<Integer> got = new ArrayList<>();
      for (int i = 0; i < 2000; i++) {
        sendId(s, r.self(), i);
        if (i % 3 == 0) {
          clock.addAndGet(MS);
        }
        drain(r, got);
      }
      clock.addAndGet(1000 * MS);
      drain(r, got);
      assertEquals(0, r.held());
      List<Long> trace = new ArrayList<>();
      got.forEach(id -> trace.add((long) id));
      trace.addAll(List.of(r.lost(), r.duplicated(), r.reordered(), r.delayed()));
      return trace;
    }
  }

  @Test
  void theSameSeedGivesTheSameFaults() throws Exception {
    List<Long> first = mixedFaultRun(1234);
    List<Long> second = mixedFaultRun(1234);
    assertEquals(first, second);
    assertNotEquals(first, mixedFaultRun(4321));
  }

  @Test
  void wakeupPassesThroughToABlockedReceive() throws Exception {
    LoopbackNetwork.Hub hub = new LoopbackNetwork.Hub();
    try (FaultyNetwork r = faulty(hub.attach("r"), 1)) {
      r.setDelay(1000 * MS, 0);
      CountDownLatch entered = new CountDownLatch(1);
      CountDownLatch returned = new CountDownLatch(1);
      AtomicReference<Object> result = new AtomicReference<>("not returned");
      Thread receiver =
          new Thread(
              () -> {
                entered.countDown();
                try {
                  result.set(r.receive(ByteBuffer.allocate(16), TimeUnit.SECONDS.toNanos(60)));
                } catch (Exception e) {
                  result.set(e);
                }
                returned.countDown();
              });
      receiver.start();
      assertTrue(entered.await(5, TimeUnit.SECONDS));
      r.wakeup();
      assertTrue(returned.await(5, TimeUnit.SECONDS), "receive did not return after wakeup");
      assertNull(result.get());
      receiver.join(5_000);
    }
  }
}
