package amoeba.flip.net;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * Which stations can hear which, by name: a set of disjoint sides. Two names are connected when
 * they are on the same side, or when either is on no side at all (an unlisted station is not
 * partitioned from anyone). Immutable.
 *
 * <p>{@link FaultyNetwork} applies it on the receive side, so to cut a pool install the same
 * partition in every box's wrapper.
 */
public final class Partition {

  /** Everybody hears everybody. */
  public static final Partition NONE = new Partition(Map.of());

  private final Map<String, Integer> sideOf;

  private Partition(Map<String, Integer> sideOf) {
    this.sideOf = Map.copyOf(sideOf);
  }

  /**
   * The partition into the given sides, e.g. {@code of(Set.of("b1", "b2"), Set.of("b3"))}.
   *
   * @throws IllegalArgumentException if a name is on two sides
   */
  @SafeVarargs
  public static Partition of(Set<String>... sides) {
    Map<String, Integer> sideOf = new HashMap<>();
    for (int i = 0; i < sides.length; i++) {
      for (String name : sides[i]) {
        if (sideOf.put(name, i) != null) {
          throw new IllegalArgumentException("station on two sides: " + name);
        }
      }
    }
    return new Partition(sideOf);
  }

  /** True when packets between {@code a} and {@code b} get through. */
  public boolean connected(String a, String b) {
    Integer sideA = sideOf.get(a);
    Integer sideB = sideOf.get(b);
    return sideA == null || sideB == null || sideA.equals(sideB);
  }

  @Override
  public String toString() {
    return sideOf.isEmpty() ? "Partition.NONE" : "Partition" + sideOf;
  }
}
