package amoeba.flip.net;

import java.util.Objects;

/** A station on a {@link LoopbackNetwork} hub: the name it was attached under (unique per hub). */
public record LoopbackStation(String name) implements Station {

  public LoopbackStation {
    Objects.requireNonNull(name, "name");
  }

  /** {@code loop:b1}. */
  @Override
  public String toString() {
    return "loop:" + name;
  }
}
