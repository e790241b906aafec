package amoeba.ipc.rpc;

import amoeba.flip.stats.EnumCounters;

/** Counters of one {@link Rpc} (client and servers together); tests and `amoeba` read them. */
public final class RpcStats extends EnumCounters<RpcCounter> {
  RpcStats() {
    super(RpcCounter.class);
  }

  @Override
  public String toString() {
    return "RpcStats" + super.toString();
  }
}
