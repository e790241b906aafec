package amoeba.ipc.rpc;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/** Counters of one {@link Rpc} (client and servers together); tests and `amoeba` read them. */
public final class RpcStats {
  private final LongAdder[] counters = new LongAdder[RpcCounter.values().length];

  RpcStats() {
    for (int i = 0; i < counters.length; i++) {
      counters[i] = new LongAdder();
    }
  }

  void increment(RpcCounter c) {
    counters[c.ordinal()].increment();
  }

  public long get(RpcCounter c) {
    return counters[c.ordinal()].sum();
  }

  public Map<RpcCounter, Long> all() {
    EnumMap<RpcCounter, Long> m = new EnumMap<>(RpcCounter.class);
    for (RpcCounter c : RpcCounter.values()) {
      m.put(c, get(c));
    }
    return m;
  }

  @Override
  public String toString() {
    StringBuilder s = new StringBuilder("RpcStats[");
    for (RpcCounter c : RpcCounter.values()) {
      long v = get(c);
      if (v != 0) {
        s.append(c.name().toLowerCase(java.util.Locale.ROOT)).append('=').append(v).append(' ');
      }
    }
    return s.append(']').toString();
  }
}
