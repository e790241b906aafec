package amoeba.flip;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.BiConsumer;

/**
 * A concurrent map from {@code long} to V whose reads allocate nothing (no boxed keys): the
 * per-packet lookups of the box (endpoints by address, hints by address) use it.
 *
 * <p>64 stripes, each an immutable open-addressing table replaced whole on every change
 * (copy-on-write under the stripe's lock, published by a volatile store; a table's arrays are
 * never written after publication). Reads are a volatile load and a probe; a change costs
 * a copy of one stripe (1/64 of the entries), which is fine for maps that change per new peer
 * or endpoint, not per packet.
 */
final class LongMap<V> {
  private static final int STRIPES = 64;

  private static final class Table {
    static final Table EMPTY = new Table(new long[0], new Object[0], 0);
    final long[] keys;
    final Object[] values; // null = empty slot
    final int size;

    Table(long[] keys, Object[] values, int size) {
      this.keys = keys;
      this.values = values;
      this.size = size;
    }
  }

  private final AtomicReferenceArray<Table> stripes = new AtomicReferenceArray<>(STRIPES);
  private final Object[] locks = new Object[STRIPES];
  private final AtomicInteger size = new AtomicInteger();

  LongMap() {
    for (int i = 0; i < STRIPES; i++) {
      stripes.set(i, Table.EMPTY);
      locks[i] = new Object();
    }
  }

  private static int mix(long key) {
    long h = key * 0x9E3779B97F4A7C15L;
    return (int) (h ^ (h >>> 32));
  }

  @SuppressWarnings("unchecked")
  V get(long key) {
    int h = mix(key);
    Table t = stripes.get(h & (STRIPES - 1));
    int n = t.keys.length;
    if (n == 0) {
      return null;
    }
    for (int i = (h >>> 6) & (n - 1); ; i = (i + 1) & (n - 1)) {
      Object v = t.values[i];
      if (v == null) {
        return null;
      }
      if (t.keys[i] == key) {
        return (V) v;
      }
    }
  }

  boolean containsKey(long key) {
    return get(key) != null;
  }

  /** Puts unless present; returns the present value, or null if {@code value} was added. */
  V putIfAbsent(long key, V value) {
    return update(key, value, true, null);
  }

  /** Puts; returns the previous value. */
  V put(long key, V value) {
    return update(key, value, false, null);
  }

  /** Removes the entry; returns the removed value. */
  V remove(long key) {
    return update(key, null, false, null);
  }

  /** Removes the entry only if it maps to {@code expected}. */
  boolean remove(long key, V expected) {
    return update(key, null, false, expected) == expected && expected != null;
  }

  int size() {
    return size.get();
  }

  /** Visits a snapshot of the entries. */
  @SuppressWarnings("unchecked")
  void forEach(BiConsumer<Long, V> visitor) {
    for (int s = 0; s < STRIPES; s++) {
      Table t = stripes.get(s);
      for (int i = 0; i < t.keys.length; i++) {
        if (t.values[i] != null) {
          visitor.accept(t.keys[i], (V) t.values[i]);
        }
      }
    }
  }

  List<V> values() {
    List<V> all = new ArrayList<>();
    forEach((k, v) -> all.add(v));
    return all;
  }

  /** Removes some entry, for callers that bound the size; returns false if empty. */
  boolean evictOne() {
    for (int s = 0; s < STRIPES; s++) {
      Table t = stripes.get(s);
      for (int i = 0; i < t.keys.length; i++) {
        if (t.values[i] != null) {
          remove(t.keys[i]);
          return true;
        }
      }
    }
    return false;
  }

  /**
   * The one writer: value null = remove (only if the current value is {@code expected}, when
   * given); onlyIfAbsent = keep a present value. Returns the previous value.
   */
  @SuppressWarnings("unchecked")
  private V update(long key, V value, boolean onlyIfAbsent, V expected) {
    int h = mix(key);
    int s = h & (STRIPES - 1);
    synchronized (locks[s]) {
      Table t = stripes.get(s);
      V previous = null;
      int n = t.keys.length;
      if (n > 0) {
        for (int i = (h >>> 6) & (n - 1); t.values[i] != null; i = (i + 1) & (n - 1)) {
          if (t.keys[i] == key) {
            previous = (V) t.values[i];
            break;
          }
        }
      }
      if (value == null) {
        if (previous == null || (expected != null && previous != expected)) {
          return previous;
        }
      } else if (previous != null && onlyIfAbsent) {
        return previous;
      }
      int newSize = t.size + (previous == null ? 1 : 0) - (value == null ? 1 : 0);
      int capacity = 8;
      while (capacity < newSize * 2) {
        capacity <<= 1;
      }
      long[] keys = new long[capacity];
      Object[] values = new Object[capacity];
      for (int i = 0; i < n; i++) {
        if (t.values[i] != null && t.keys[i] != key) {
          insert(keys, values, t.keys[i], t.values[i]);
        }
      }
      if (value != null) {
        insert(keys, values, key, value);
      }
      stripes.set(s, newSize == 0 ? Table.EMPTY : new Table(keys, values, newSize));
      size.addAndGet(newSize - t.size);
      return previous;
    }
  }

  private static void insert(long[] keys, Object[] values, long key, Object value) {
    int n = keys.length;
    for (int i = (mix(key) >>> 6) & (n - 1); ; i = (i + 1) & (n - 1)) {
      if (values[i] == null) {
        keys[i] = key;
        values[i] = value;
        return;
      }
    }
  }
}
