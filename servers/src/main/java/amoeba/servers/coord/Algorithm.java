package amoeba.servers.coord;

import java.util.Locale;

/** The mutual exclusion algorithms; the wire number is the ordinal (never reorder). */
public enum Algorithm {
  /** One lock server ("lock"/"pool"): request, grant, release = 3 messages per entry. */
  CENTRAL,
  /** A token circulating over the participants in name order: 1 to unbounded per entry. */
  RING,
  /** Ricart-Agrawala: n-1 requests and n-1 replies per entry. */
  RICART;

  public String cliName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The textbook messages per entry and exit among {@code n} participants (ring: the minimum). */
  public int theoryMessagesPerEntry(int n) {
    return switch (this) {
      case CENTRAL -> 3;
      case RING -> 1;
      case RICART -> 2 * (n - 1);
    };
  }

  public static Algorithm fromWire(int code) {
    Algorithm[] all = values();
    if (code < 0 || code >= all.length) {
      throw new IllegalArgumentException("no algorithm " + code);
    }
    return all[code];
  }

  public static Algorithm parse(String name) {
    for (Algorithm a : values()) {
      if (a.cliName().equals(name)) {
        return a;
      }
    }
    throw new IllegalArgumentException("algorithm is central, ring or ricart: " + name);
  }
}
