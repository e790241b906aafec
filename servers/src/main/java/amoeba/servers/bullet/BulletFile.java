package amoeba.servers.bullet;

import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/**
 * One object of a Bullet server: the server itself (object 0), or a file, uncommitted (being
 * written into a temp file) or committed (immutable). State changes under the object's lock.
 */
final class BulletFile {
  /** Disjoint written ranges of an uncommitted file, at most {@link #MAX_RANGES}. */
  static final class Coverage {
    /** Bounds the memory a client writing scattered chunks can make the server hold. */
    static final int MAX_RANGES = 1024;

    private final TreeMap<Long, Long> ranges = new TreeMap<>(); // start -> end (exclusive)

    /** Adds [start, end); false if that would need more than MAX_RANGES ranges. */
    boolean add(long start, long end) {
      if (start >= end) {
        return true;
      }
      Map.Entry<Long, Long> before = ranges.floorEntry(start);
      if (before != null && before.getValue() >= start) {
        start = before.getKey();
        end = Math.max(end, before.getValue());
      }
      for (Map.Entry<Long, Long> e = ranges.ceilingEntry(start); e != null && e.getKey() <= end;
          e = ranges.ceilingEntry(start)) {
        end = Math.max(end, e.getValue());
        ranges.remove(e.getKey());
      }
      if (ranges.size() >= MAX_RANGES) {
        return false;
      }
      ranges.put(start, end);
      return true;
    }

    /** Whether exactly [0, size) was written. */
    boolean exactly(long size) {
      if (ranges.isEmpty()) {
        return size == 0;
      }
      return ranges.size() == 1 && ranges.firstKey() == 0 && ranges.firstEntry().getValue() == size;
    }

    long end() {
      return ranges.isEmpty() ? 0 : ranges.lastEntry().getValue();
    }
  }

  enum State {
    SERVER,
    UNCOMMITTED,
    COMMITTED,
    GONE
  }

  /** Set once the object table gave it a number. */
  int object;
  volatile State state;
  /** The object's secret R (what a committed file's name carries). */
  long secret;
  /** Uncommitted: the temp file. */
  BulletStore.Temp temp;
  Coverage coverage;
  /** Uncommitted: last WRITE/CREATE (nanos of the server's clock), for the abandon timeout. */
  long lastUseNanos;
  /** Committed: where it is (renamed by a revoke). */
  volatile Path path;
  volatile long size;
  /** Committed: age passes left; reset by STD_TOUCH and READ/SIZE. */
  volatile int lifetime;

  private BulletFile(int object, State state) {
    this.object = object;
    this.state = state;
  }

  static BulletFile server() {
    return new BulletFile(0, State.SERVER);
  }

  static BulletFile uncommitted(BulletStore.Temp temp, long nowNanos) {
    BulletFile f = new BulletFile(-1, State.UNCOMMITTED);
    f.temp = temp;
    f.coverage = new Coverage();
    f.lastUseNanos = nowNanos;
    return f;
  }

  static BulletFile committed(BulletStore.Stored stored, int lifetime) {
    BulletFile f = new BulletFile(stored.object(), State.COMMITTED);
    f.secret = stored.secret();
    f.path = stored.path();
    f.size = stored.size();
    f.lifetime = lifetime;
    return f;
  }
}
