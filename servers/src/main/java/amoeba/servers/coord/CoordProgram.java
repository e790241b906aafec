package amoeba.servers.coord;

import amoeba.capabilities.Port;
import amoeba.ipc.group.GroupConfig;
import amoeba.ipc.group.GroupMember;
import amoeba.kernel.api.PoolAuthority;
import amoeba.kernel.api.ProcessContext;
import amoeba.kernel.api.Program;
import amoeba.kernel.server.BoardPorts;
import amoeba.servers.coord.elect.GroupElection;
import amoeba.servers.coord.peer.PeerConfig;
import java.util.List;

/**
 * The system program "coord BOARD...": this board's {@link CoordNode} among the participants
 * named by the arguments (this board included), served at ("coord", this board), and its
 * member of the group election on the group port derived from ("elect", "pool"). The first
 * board in name order creates the group; the others join it (retrying while it is not there).
 */
public final class CoordProgram implements Program {
  /** How often the group election checks its view. */
  private static final long POLL_NANOS = 50_000_000L;

  @Override
  public int run(ProcessContext ctx) throws Exception {
    PoolAuthority authority = ctx.authority();
    if (authority == null) {
      ctx.stderr().println("coord: needs the pool authority (run as builtin:coord)");
      return 2;
    }
    List<String> members = ctx.args().isEmpty() ? List.of(ctx.board()) : ctx.args();
    if (!members.contains(ctx.board())) {
      ctx.stderr().println("coord: this board (" + ctx.board() + ") is not among " + members);
      return 2;
    }
    Port getPort = authority.getPort(CoordNode.SERVICE, ctx.board());
    CoordNode node = new CoordNode(ctx.board(), members, b -> authority.owner(CoordNode.SERVICE, b), getPort,
        ctx.ipc()::trans, PeerConfig.defaults(), System::nanoTime);
    node.start(ctx.ipc().serve(getPort));
    long groupPort = authority.getPort("elect", BoardPorts.POOL).value();
    GroupElection election = null;
    try {
      GroupMember member = null;
      while (member == null) {
        if (members.stream().sorted().findFirst().orElseThrow().equals(ctx.board())) {
          member = ctx.ipc().createGroup(groupPort, GroupConfig.defaults());
        } else {
          try {
            member = ctx.ipc().joinGroup(groupPort, GroupConfig.defaults(), 2_000_000_000L);
          } catch (RuntimeException notYet) {
            Thread.sleep(500); // the creator is not up yet
          }
        }
      }
      election = new GroupElection(member, ctx.board(), POLL_NANOS).start();
      node.groupElection(election);
      ctx.stdout().println("coord ready on " + ctx.board() + " among " + members);
      Thread.sleep(Long.MAX_VALUE); // serve until killed (interrupted)
    } catch (InterruptedException e) {
      return 0;
    } finally {
      node.close();
    }
    return 0;
  }
}
