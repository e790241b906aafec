package amoeba.kernel.api;

import amoeba.capabilities.Capability;
import amoeba.capabilities.Port;

/**
 * The pool key's authority, as far as a system server needs it: the get-port a service listens
 * on and the owner capability of its object 0, both derived from the pool key (see {@code
 * amoeba.kernel.server.BoardPorts}). Only system programs (the board's own, started as {@code
 * builtin:NAME}) get one; an ordinary program jar holds no pool authority.
 */
public interface PoolAuthority {
  /** The secret get-port of {@code service} (e.g. "dir") for {@code instance} (e.g. "pool" or a board). */
  Port getPort(String service, String instance);

  /** The owner capability of object 0 of {@code service} at {@code instance}. */
  Capability owner(String service, String instance);
}
