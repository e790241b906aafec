package amoeba.servers.directory;

import amoeba.capabilities.Capability;
import java.util.List;

/**
 * What a directory row names: one capability per replica of the same object (a file written
 * to k Bullet servers is k capabilities), in preference order. Never empty; at most {@value
 * #MAX} capabilities.
 */
public record CapabilitySet(List<Capability> capabilities) {
  public static final int MAX = 8;

  public CapabilitySet {
    capabilities = List.copyOf(capabilities);
    if (capabilities.isEmpty() || capabilities.size() > MAX) {
      throw new IllegalArgumentException("a capability set holds 1.." + MAX + " capabilities: " + capabilities.size());
    }
  }

  public static CapabilitySet of(Capability... caps) {
    return new CapabilitySet(List.of(caps));
  }

  /** The preferred capability (the only one of an unreplicated object). */
  public Capability first() {
    return capabilities.get(0);
  }
}
