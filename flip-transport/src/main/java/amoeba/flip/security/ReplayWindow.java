package amoeba.flip.security;

import java.util.Arrays;

/**
 * IPsec-style anti-replay (RFC 4303 3.4.3) per sending box. A box names itself by a random
 * epoch chosen at start and numbers every packet it sends with an unsigned 32-bit sequence; the
 * receiver keeps, per epoch, the highest sequence seen and a 1024-packet bitmap below it, and
 * accepts a packet once: not a sequence already seen, not one 1024 or more below the highest.
 * Only meaningful after the packet's tag has verified (otherwise anyone could burn sequences).
 *
 * <p>At most {@code maxEpochs} boxes are remembered; a new one evicts the least recently seen.
 * Storage is fixed at construction (about 150 bytes per epoch) and {@link #accept} allocates
 * nothing: an open-addressing hash table over the epochs and an intrusive LRU list.
 *
 * <p>Limitations: a receiver that restarted, or that evicted an epoch, has forgotten it and
 * accepts the first packet it then sees from that box again (and the window restarts there), so
 * a packet captured earlier can be replayed once after a restart or eviction. A sender must
 * start a new epoch before its sequence wraps at 2^32 packets.
 *
 * <p>Thread-safe: one lock; the critical section is a hash probe and a few bit operations.
 */
public final class ReplayWindow {
  /** Packets tracked below the highest sequence. */
  public static final int WINDOW = 1024;

  private static final int WORDS = WINDOW / 64;
  private static final int NONE = -1;

  private final int capacity;
  private final long[] epochs; // per slot
  private final long[] highest; // per slot: highest sequence seen, unsigned in a long
  private final long[] bits; // per slot WORDS words; bit (seq mod WINDOW) = seq seen
  private final int[] prev; // LRU list, head = most recently seen
  private final int[] next;
  private final int[] table; // slot + 1, 0 = empty; linear probing, power-of-two size
  private final int mask;
  private int head = NONE;
  private int tail = NONE;
  private int size;
  private long evictions;

  /** Remembers at most {@code maxEpochs} sending boxes (e.g. 4096). */
  public ReplayWindow(int maxEpochs) {
    if (maxEpochs < 1 || maxEpochs > 1 << 24) {
      throw new IllegalArgumentException("maxEpochs must be 1..2^24, was " + maxEpochs);
    }
    capacity = maxEpochs;
    epochs = new long[maxEpochs];
    highest = new long[maxEpochs];
    bits = new long[maxEpochs * WORDS];
    prev = new int[maxEpochs];
    next = new int[maxEpochs];
    table = new int[Integer.highestOneBit(maxEpochs) * 4]; // load factor <= 1/2
    mask = table.length - 1;
  }

  /**
   * Whether a packet from the box {@code epoch} with {@code sequence} (unsigned) is new; if so
   * it is recorded and a second call with the same pair answers false.
   */
  public synchronized boolean accept(long epoch, int sequence) {
    long seq = Integer.toUnsignedLong(sequence);
    int s = find(epoch);
    if (s == NONE) {
      s = allocateSlot();
      epochs[s] = epoch;
      highest[s] = seq;
      Arrays.fill(bits, s * WORDS, s * WORDS + WORDS, 0L);
      mark(s, seq);
      insert(epoch, s);
      linkFirst(s);
      return true;
    }
    touch(s);
    long top = highest[s];
    if (seq > top) {
      long ahead = seq - top;
      if (ahead >= WINDOW) {
        Arrays.fill(bits, s * WORDS, s * WORDS + WORDS, 0L);
      } else {
        for (long q = top + 1; q < seq; q++) {
          clear(s, q); // slots that now fall out of the window are reused for q
        }
      }
      highest[s] = seq;
      mark(s, seq);
      return true;
    }
    if (top - seq >= WINDOW || isMarked(s, seq)) {
      return false;
    }
    mark(s, seq);
    return true;
  }

  /** Boxes currently remembered, at most the constructor's bound. */
  public synchronized int size() {
    return size;
  }

  /** Boxes forgotten to make room for new ones since construction. */
  public synchronized long evictions() {
    return evictions;
  }

  // --- bitmap ---

  private void mark(int s, long seq) {
    int bit = (int) (seq & (WINDOW - 1));
    bits[s * WORDS + (bit >>> 6)] |= 1L << bit;
  }

  private void clear(int s, long seq) {
    int bit = (int) (seq & (WINDOW - 1));
    bits[s * WORDS + (bit >>> 6)] &= ~(1L << bit);
  }

  private boolean isMarked(int s, long seq) {
    int bit = (int) (seq & (WINDOW - 1));
    return (bits[s * WORDS + (bit >>> 6)] & 1L << bit) != 0;
  }

  // --- slots and LRU ---

  private int allocateSlot() {
    if (size < capacity) {
      return size++;
    }
    int victim = tail;
    unlink(victim);
    remove(epochs[victim]);
    evictions++;
    return victim;
  }

  private void touch(int s) {
    if (head != s) {
      unlink(s);
      linkFirst(s);
    }
  }

  private void linkFirst(int s) {
    prev[s] = NONE;
    next[s] = head;
    if (head != NONE) {
      prev[head] = s;
    }
    head = s;
    if (tail == NONE) {
      tail = s;
    }
  }

  private void unlink(int s) {
    int p = prev[s];
    int n = next[s];
    if (p != NONE) {
      next[p] = n;
    } else {
      head = n;
    }
    if (n != NONE) {
      prev[n] = p;
    } else {
      tail = p;
    }
  }

  // --- hash index: epoch -> slot ---

  private int home(long epoch) {
    long h = epoch * 0x9E3779B97F4A7C15L; // Fibonacci hashing; epochs are random anyway
    return (int) (h ^ (h >>> 32)) & mask;
  }

  private int find(long epoch) {
    for (int i = home(epoch); table[i] != 0; i = (i + 1) & mask) {
      if (epochs[table[i] - 1] == epoch) {
        return table[i] - 1;
      }
    }
    return NONE;
  }

  private void insert(long epoch, int s) {
    int i = home(epoch);
    while (table[i] != 0) {
      i = (i + 1) & mask;
    }
    table[i] = s + 1;
  }

  /** Removes {@code epoch} from the index, shifting back later entries of its probe run. */
  private void remove(long epoch) {
    int i = home(epoch);
    while (epochs[table[i] - 1] != epoch) {
      i = (i + 1) & mask;
    }
    table[i] = 0;
    for (int j = (i + 1) & mask; table[j] != 0; j = (j + 1) & mask) {
      int k = home(epochs[table[j] - 1]);
      // Entry at j may move to the hole at i unless its home lies cyclically in (i, j].
      boolean stays = i <= j ? (i < k && k <= j) : (i < k || k <= j);
      if (!stays) {
        table[i] = table[j];
        table[j] = 0;
        i = j;
      }
    }
  }
}
