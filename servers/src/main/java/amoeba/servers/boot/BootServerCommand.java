package amoeba.servers.boot;

import amoeba.capabilities.ServerBlock;

/**
 * The boot server's commands (BOOT block 2600..2699), fixed numbers, never reused. All work on
 * object 0, the service, whose owner capability is derived from the pool key
 * ({@code BoardPorts.owner(key, "boot", "pool")}).
 *
 * <pre>
 * LIST   2601 READ    reply data: u16 n, Service*, u16 n, Event*   (events oldest first)
 * ADD    2602 CREATE  data: ServiceSpec.  EXISTS if the name is taken, BADPARAM (with the
 *                     reason) if malformed or out of its limits, NOSPACE beyond 256 services
 * REMOVE 2603 DELETE  data: str name; its instances are killed.  NO_SUCH_OBJECT if unknown
 *
 * Service:     ServiceSpec, u16 owedRestarts, u16 n, Instance*
 * Instance:    str board, u32 pid, u8 health (1 alive, 3 unknown: last poll inconclusive)
 * Event:       u64 timeMs (the boot server's clock), str service, str text
 * ServiceSpec: str name, Launch, u16 instances, u32 pollMs, u32 restartMs       ({@link ServiceSpec})
 * Launch:      str source, u16 argc, str*, u16 envc, (str k, str v)*, Constraints
 * </pre>
 *
 * Instances' process capabilities are never handed out: LIST needs only READ.
 */
public enum BootServerCommand {
  LIST(1),
  ADD(2),
  REMOVE(3);

  private final int code;

  BootServerCommand(int offset) {
    this.code = ServerBlock.BOOT.first() + offset;
  }

  public int code() {
    return code;
  }
}
