package amoeba.kernel.server;

import amoeba.capabilities.Capability;
import amoeba.capabilities.CapabilityException;
import amoeba.capabilities.CheckScheme;
import amoeba.capabilities.Port;
import amoeba.capabilities.ErrorCode;
import amoeba.capabilities.Rights;
import amoeba.capabilities.StdCommand;
import amoeba.ipc.rpc.RpcMessage;
import amoeba.ipc.rpc.Server;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;

/**
 * A board's sys server: one object (0, the board), its owner capability derived from the pool
 * key ({@link BoardPorts}). INFO and LOAD need READ; SHUTDOWN needs every right (the owner
 * capability). Commands: {@link SysCommand}; replies are {@code key=value} lines.
 */
public final class SysServer extends Server<SysServer.Board> {
  /** The one object. */
  public enum Board {
    INSTANCE
  }

  private final String board;
  private final Supplier<Map<String, String>> info;
  private final Supplier<Map<String, String>> load;
  private final Runnable shutdown;
  private final Capability owner;

  /**
   * @param info INFO's keys and values
   * @param load LOAD's keys and values
   * @param peers PEERS's lines (the board's failure detector)
   * @param shutdown starts the board's shutdown; must not wait for it (this server stops in it)
   */
  public SysServer(
      String board, Port getPort, RandomGenerator random, Supplier<Map<String, String>> info,
      Supplier<Map<String, String>> load, Supplier<Map<String, String>> peers, Runnable shutdown) {
    super(getPort.putPort(), new CheckScheme(random));
    this.board = board;
    this.info = info;
    this.load = load;
    this.shutdown = shutdown;
    try {
      this.owner = objects.install(0, Board.INSTANCE, BoardPorts.rootSecret(getPort));
    } catch (CapabilityException e) {
      throw new IllegalStateException(e);
    }
    command(SysCommand.INFO.code(), Rights.READ, (o, rq, rp) -> text(rp, info.get()));
    command(SysCommand.LOAD.code(), Rights.READ, (o, rq, rp) -> text(rp, load.get()));
    command(SysCommand.PEERS.code(), Rights.READ, (o, rq, rp) -> text(rp, peers.get()));
    command(SysCommand.SHUTDOWN.code(), Rights.ALL, (o, rq, rp) -> shutdown());
    // The one object's owner capability is derived from the pool key: never destroyed/revoked.
    command(StdCommand.STD_DESTROY.code(), Rights.DELETE, (o, rq, rp) -> ErrorCode.DENIED.code());
    command(StdCommand.STD_REVOKE.code(), Rights.ALL, (o, rq, rp) -> ErrorCode.DENIED.code());
  }

  public Capability owner() {
    return owner;
  }

  @Override
  protected String info(Board object) {
    return "sys server of " + board;
  }

  private static int text(RpcMessage reply, Map<String, String> values) {
    StringBuilder b = new StringBuilder();
    values.forEach((k, v) -> b.append(k).append('=').append(v).append('\n'));
    reply.data(ByteBuffer.wrap(b.toString().getBytes(StandardCharsets.UTF_8)));
    return 0;
  }

  private int shutdown() {
    shutdown.run();
    return 0;
  }
}
