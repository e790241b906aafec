package amoeba.flip.fragment;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import amoeba.flip.stats.DropCounters;
import amoeba.flip.stats.DropReason;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class ReassemblerTest {
  private static final long SECOND = 1_000_000_000L;
  private static final int MIB = 1 << 20;
  private long now = 123; // the manual clock, in ns
  private final DropCounters counters = new DropCounters();

  private Reassembler reassembler(int maxMessage, long perSource, long total) {
    return new Reassembler(maxMessage, perSource, total, 4 * SECOND, () -> now, counters);
  }

  private static ByteBuffer slice(byte[] message, int from, int to) {
    // Position and limit mark the fragment inside a larger buffer, as a received packet would.
    ByteBuffer b = ByteBuffer.allocate(message.length + 20);
    b.position(10 + from).limit(10 + to);
    b.put(b.position(), message, from, to - from); // absolute bulk put (Java 16+)
    return b;
  }

  private record Fragment(int offset, int end) {}

  @Property(tries = 60)
  void shuffledDuplicatedFragmentsReassembleExactly(
      @ForAll @IntRange(min = 1, max = 5 * MIB) int size,
      @ForAll @IntRange(min = 1, max = 70_000) int fragmentSize,
      @ForAll long seed) {
    Random random = new Random(seed);
    byte[] message = new byte[size];
    random.nextBytes(message);
    List<Fragment> fragments = new ArrayList<>();
    int step = Math.max(fragmentSize, size / 3000 + 1); // at most a few thousand fragments
    for (int off = 0; off < size; off += step) {
      fragments.add(new Fragment(off, Math.min(size, off + step)));
    }
    int duplicates = fragments.size() / 3;
    for (int i = 0; i < duplicates; i++) {
      fragments.add(fragments.get(random.nextInt(fragments.size())));
    }
    Collections.shuffle(fragments, random);
    DropCounters counters = new DropCounters(); // jqwik reuses the instance across tries
    Reassembler r = new Reassembler(8 * MIB, 8 * MIB, 16 * MIB, SECOND, () -> now, counters);
    ByteBuffer done = null;
    int completions = 0;
    for (Fragment f : fragments) {
      ByteBuffer piece = slice(message, f.offset(), f.end());
      int position = piece.position();
      ByteBuffer out = r.accept(0xABCDL, 42, f.offset(), size, piece);
      assertEquals(position, piece.position()); // the fragment is left as it was
      if (out != null) {
        done = out;
        completions++;
      }
    }
    assertEquals(1, completions);
    assertNotNull(done);
    assertEquals(0, done.position());
    assertEquals(size, done.limit());
    byte[] got = new byte[size];
    done.get(got);
    assertArrayEquals(message, got);
    assertEquals(duplicates, counters.get(DropReason.DUPLICATE_FRAGMENT));
    assertEquals(duplicates, counters.total());
    assertEquals(0, r.inProgress());
    assertEquals(0, r.bytesInProgress());
  }

  @Test
  void fragmentsOfMixedSizesAndSingleOrEmptyMessages() {
    Reassembler r = reassembler(1000, 1000, 1000);
    byte[] m = new byte[100];
    new Random(3).nextBytes(m);
    // Ranges that leave gaps, then fill them: [50,60) [0,10) [90,100) [10,50) [60,90).
    int[][] order = {{50, 60}, {0, 10}, {90, 100}, {10, 50}};
    for (int[] f : order) {
      assertNull(r.accept(1, 1, f[0], 100, slice(m, f[0], f[1])));
    }
    assertEquals(100, r.bytesInProgress());
    ByteBuffer done = r.accept(1, 1, 60, 100, slice(m, 60, 90));
    assertNotNull(done);
    byte[] got = new byte[100];
    done.get(got);
    assertArrayEquals(m, got);

    ByteBuffer single = r.accept(1, 2, 0, 100, slice(m, 0, 100));
    assertNotNull(single);
    assertEquals(100, single.remaining());
    ByteBuffer empty = r.accept(1, 3, 0, 0, ByteBuffer.allocate(0));
    assertNotNull(empty);
    assertEquals(0, empty.remaining());
    assertEquals(0, counters.total());
    assertEquals(0, r.bytesInProgress());
  }

  @Test
  void inconsistentFragmentsAreBadAndDuplicatesAreDuplicates() {
    Reassembler r = reassembler(1000, 1000, 1000);
    byte[] m = new byte[100];
    assertNull(r.accept(1, 1, 20, 100, slice(m, 20, 40)));
    assertNull(r.accept(1, 1, 20, 100, slice(m, 20, 40))); // same again
    assertNull(r.accept(1, 1, 25, 100, slice(m, 25, 30))); // inside received bytes
    assertEquals(2, counters.get(DropReason.DUPLICATE_FRAGMENT));
    assertNull(r.accept(1, 1, 30, 100, slice(m, 30, 50))); // straddles the end of [20,40)
    assertNull(r.accept(1, 1, 10, 100, slice(m, 10, 21))); // straddles its start
    assertNull(r.accept(1, 1, 0, 100, slice(m, 0, 60))); // covers it
    assertNull(r.accept(1, 1, 40, 99, slice(m, 40, 50))); // another total
    assertNull(r.accept(1, 1, 95, 100, slice(m, 40, 50))); // past total
    assertNull(r.accept(1, 1, -1, 100, slice(m, 40, 50))); // offset 2^32 - 1
    assertNull(r.accept(1, 1, 50, 100, ByteBuffer.allocate(0))); // empty fragment
    assertEquals(7, counters.get(DropReason.BAD_FRAGMENT));
    assertEquals(9, counters.total());
    // The partial survived all that and completes normally.
    assertNull(r.accept(1, 1, 0, 100, slice(m, 0, 20)));
    assertNotNull(r.accept(1, 1, 40, 100, slice(m, 40, 100)));
    // Late duplicates of the completed message do not start a new reassembly.
    assertNull(r.accept(1, 1, 0, 100, slice(m, 0, 20)));
    assertEquals(3, counters.get(DropReason.DUPLICATE_FRAGMENT));
    assertEquals(0, r.inProgress());
    // The same message id from another source is another message.
    assertNull(r.accept(2, 1, 0, 100, slice(m, 0, 20)));
    assertEquals(1, r.inProgress());
  }

  @Test
  void budgetsAreCheckedBeforeAllocating() {
    Reassembler r = reassembler(1000, 1500, 2500);
    byte[] m = new byte[1001];
    assertNull(r.accept(1, 1, 0, 1001, slice(m, 0, 10))); // message too large
    assertNull(r.accept(1, 2, 0, Integer.MIN_VALUE, slice(m, 0, 10))); // claims 2 GiB
    assertNull(r.accept(1, 3, 0, -1, slice(m, 0, 10))); // claims 4 GiB - 1
    assertEquals(3, counters.get(DropReason.REASSEMBLY_OVERFLOW));
    assertEquals(0, r.bytesInProgress());
    assertEquals(0, r.inProgress());

    assertNull(r.accept(1, 10, 0, 1000, slice(m, 0, 10)));
    assertNull(r.accept(1, 11, 0, 600, slice(m, 0, 10))); // source 1 would hold 1600 > 1500
    assertNull(r.accept(1, 12, 0, 500, slice(m, 0, 10))); // exactly 1500: fits
    assertNull(r.accept(2, 10, 0, 1000, slice(m, 0, 10))); // all: 2500, fits
    assertNull(r.accept(3, 10, 0, 1, ByteBuffer.allocate(0))); // bad: empty fragment
    assertNull(r.accept(3, 10, 0, 2, slice(m, 0, 1))); // all would be 2502 > 2500
    assertEquals(5, counters.get(DropReason.REASSEMBLY_OVERFLOW));
    assertEquals(2500, r.bytesInProgress());
    assertEquals(3, r.inProgress());
    // Completing a message frees its budget.
    assertNotNull(r.accept(1, 12, 10, 500, slice(m, 10, 500)));
    assertEquals(2000, r.bytesInProgress());
    assertNotNull(r.accept(3, 10, 0, 1, slice(m, 0, 1)));
  }

  @Test
  void partialMessagesWithoutProgressExpireOnTheInjectedClock() {
    Reassembler r = reassembler(1000, 1000, 1000);
    byte[] m = new byte[100];
    assertNull(r.accept(1, 1, 0, 100, slice(m, 0, 10)));
    now += 2 * SECOND;
    assertNull(r.accept(1, 2, 0, 100, slice(m, 0, 10)));
    now += 2 * SECOND - 1;
    r.expire();
    assertEquals(2, r.inProgress());
    now += 1; // message 1 made no progress for exactly 4 s
    r.expire();
    assertEquals(1, r.inProgress());
    assertEquals(100, r.bytesInProgress());
    assertEquals(1, counters.get(DropReason.REASSEMBLY_TIMEOUT));
    now += SECOND;
    assertNull(r.accept(1, 2, 10, 100, slice(m, 10, 20))); // progress restarts the clock
    now += 4 * SECOND - 1;
    r.expire();
    assertEquals(1, r.inProgress());
    now += 1;
    r.expire();
    assertEquals(0, r.inProgress());
    assertEquals(0, r.bytesInProgress());
    assertEquals(2, counters.get(DropReason.REASSEMBLY_TIMEOUT));
  }

  @Test
  void stalledMessagesReportTheirGapsOncePerQuietPeriod() {
    Reassembler r = reassembler(1000, 1000, 1000);
    byte[] m = new byte[100];
    assertNull(r.accept(9, 3, 10, 100, slice(m, 10, 20)));
    assertNull(r.accept(9, 3, 50, 100, slice(m, 50, 60)));
    java.util.List<String> seen = new java.util.ArrayList<>();
    Reassembler.GapVisitor record =
        (src, id, total, starts, ends, count) -> {
          for (int i = 0; i < count; i++) {
            seen.add(src + ":" + id + ":" + starts[i] + "-" + ends[i]);
          }
        };
    r.forEachStalled(SECOND / 10, 8, record);
    assertEquals(java.util.List.of(), seen, "not stalled yet");
    now += SECOND / 10;
    r.forEachStalled(SECOND / 10, 8, record);
    assertEquals(java.util.List.of("9:3:0-10", "9:3:20-50", "9:3:60-100"), seen);
    seen.clear();
    r.forEachStalled(SECOND / 10, 2, record);
    assertEquals(java.util.List.of(), seen, "listed once per quiet period");
    now += SECOND / 10;
    r.forEachStalled(SECOND / 10, 2, record);
    assertEquals(java.util.List.of("9:3:0-10", "9:3:20-50"), seen, "at most maxGaps");
  }
}
