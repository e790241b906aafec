package amoeba.flip;

import amoeba.flip.net.Network;
import amoeba.flip.net.Station;

/**
 * Where each FLIP address was last seen: learned from the source of every admitted packet and
 * from HEREIS answers, dropped on NOTHERE. Bounded: past {@code capacity} entries an arbitrary
 * one is evicted (it is only a hint; a miss costs one LOCATE).
 */
final class HintCache {
  record Route(Network network, Station station) {}

  private final LongMap<Route> routes = new LongMap<>();
  private final int capacity;

  HintCache(int capacity) {
    this.capacity = capacity;
  }

  Route get(long address) {
    return routes.get(address);
  }

  /** Records that {@code address} lives behind {@code station}; allocates only on change. */
  void learn(long address, Network network, Station station) {
    Route r = routes.get(address);
    if (r != null && r.network == network && r.station.equals(station)) {
      return;
    }
    if (r == null && routes.size() >= capacity) {
      routes.evictOne();
    }
    routes.put(address, new Route(network, station));
  }

  /** Forgets {@code address} if it still points at {@code station} (a NOTHERE from there). */
  boolean forget(long address, Station station) {
    Route r = routes.get(address);
    return r != null && r.station.equals(station) && routes.remove(address, r);
  }

  void forget(long address) {
    routes.remove(address);
  }

  int size() {
    return routes.size();
  }
}
