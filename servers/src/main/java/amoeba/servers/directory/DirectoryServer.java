package amoeba.servers.directory;

import amoeba.capabilities.Capability;
import amoeba.capabilities.CapabilityException;
import amoeba.capabilities.CheckScheme;
import amoeba.capabilities.ErrorCode;
import amoeba.capabilities.Port;
import amoeba.capabilities.Rights;
import amoeba.capabilities.StdCommand;
import amoeba.ipc.rpc.RpcMessage;
import amoeba.ipc.rpc.RpcServer;
import amoeba.ipc.rpc.Server;
import amoeba.kernel.api.Ipc;
import amoeba.kernel.api.ProcessContext;
import amoeba.kernel.api.Program;
import amoeba.kernel.server.BoardPorts;
import amoeba.kernel.server.Wire;
import amoeba.servers.directory.DirectoryState.Result;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import org.tinylog.Logger;

/**
 * The system program "dir": one replica of the pool's directory service. Arguments: the
 * replica boards (2f+1; default b1 b2 b3), then options {@code --heartbeat-ms N} and {@code
 * --fail-ms N} (the group's timers, default 50 and 1000). Every replica serves the same
 * put-port (get-port "dir"/"pool"; object 0 is the root); each also serves a private port
 * ("dir-replica"/BOARD) for state transfer and STATUS. The replica holding the group's lease
 * also serves the leader port ("dir-leader"/"pool", {@link LeaderPort}), which clients try
 * first. Commands: {@link DirectoryCommand}.
 */
public final class DirectoryServer implements Program {
  static final int SERVER_THREADS = 8;

  @Override
  public int run(ProcessContext ctx) throws Exception {
    if (ctx.authority() == null) {
      ctx.stderr().println("dir: only a board runs the directory (builtin:dir)");
      return 2;
    }
    List<String> replicas = new ArrayList<>();
    DirectoryReplica.Timing timing = DirectoryReplica.Timing.defaults();
    List<String> args = ctx.args();
    for (int i = 0; i < args.size(); i++) {
      String a = args.get(i);
      if ((a.equals("--fail-ms") || a.equals("--heartbeat-ms")) && i + 1 < args.size()) {
        long ns = Long.parseLong(args.get(++i)) * 1_000_000L;
        timing = a.equals("--fail-ms") ? new DirectoryReplica.Timing(timing.heartbeatNanos(), ns)
            : new DirectoryReplica.Timing(ns, timing.failNanos());
      } else if (a.startsWith("-")) {
        ctx.stderr().println("dir: unknown option " + a + " (replica boards, --heartbeat-ms N, --fail-ms N)");
        return 2;
      } else {
        replicas.add(a);
      }
    }
    if (replicas.isEmpty()) {
      replicas.addAll(List.of("b1", "b2", "b3"));
    }
    if (!replicas.contains(ctx.board())) {
      ctx.stderr().println("dir: board " + ctx.board() + " is not one of the replicas " + replicas);
      return 2;
    }
    try (DirectoryReplica replica = new DirectoryReplica(
        ctx.ipc(), ctx.authority(), ctx.board(), replicas, ctx.storage(), timing)) {
      Port leaderGetPort = ctx.authority().getPort(DirectoryReplica.LEADER_SERVICE, BoardPorts.POOL);
      Clients clients = new Clients(replica, leaderGetPort.putPort());
      LeaderPort leader = new LeaderPort(ctx.ipc(), leaderGetPort, clients, SERVER_THREADS);
      replica.onLeadership(leader::set);
      Replicas peers = new Replicas(replica, ctx.authority().getPort(DirectoryReplica.REPLICA_SERVICE, ctx.board()));
      replica.attach(clients.mirror());
      replica.start();
      clients.serve(ctx.ipc().serve(replica.getPort()), SERVER_THREADS);
      peers.serve(ctx.ipc().serve(ctx.authority().getPort(DirectoryReplica.REPLICA_SERVICE, ctx.board())), 2);
      ctx.stdout().println("dir replica " + ctx.board() + " of " + replicas);
      try {
        while (true) {
          Thread.sleep(60_000);
        }
      } catch (InterruptedException e) {
        // killed or the board shuts down
      } finally {
        leader.set(false);
        clients.stop();
        peers.stop();
      }
    }
    return 0;
  }

  /** The clients' port: every command goes to the replica, ordered with the updates. */
  static final class Clients extends Server<Integer> {
    private final DirectoryReplica replica;

    Clients(DirectoryReplica replica, Port leaderPutPort) {
      super(replica.putPort(), replica.scheme());
      this.replica = replica;
      byte[] leader = new Wire.Out().i64(leaderPutPort.value()).toByteArray();
      anonymous(DirectoryCommand.LEADER.code(), (o, rq, rp) -> {
        rp.data(ByteBuffer.wrap(leader));
        return 0;
      });
      // The state machine checks these capabilities itself, in the order of the updates (rights
      // per walk step: columns, 0x40, 0x80), so they skip the table: it mirrors the state as
      // applied here, which may lag behind a create or a revoke the group has already ordered.
      for (DirectoryCommand c : DirectoryCommand.values()) {
        if (c.namespace()) {
          anonymous(c.code(), c.update()
              ? (o, rq, rp) -> answer(replica.update(rq.command(), rq.capability(), rq.data()), rp)
              : (o, rq, rp) -> answer(replica.read(rq.command(), rq.capability(), rq.data()), rp));
        }
      }
      for (StdCommand c : List.of(StdCommand.STD_DESTROY, StdCommand.STD_REVOKE)) {
        anonymous(c.code(),
            (o, rq, rp) -> answer(replica.update(rq.command(), rq.capability(), ByteBuffer.allocate(0)), rp));
      }
    }

    /** STD_INFO, STD_RESTRICT, STD_TOUCH: checked against the table once this replica caught up. */
    @Override
    protected Integer lookup(Capability cap, int rights) throws CapabilityException {
      String why = replica.catchUp();
      if (why != null) {
        throw new CapabilityException(ErrorCode.NOTNOW, why);
      }
      return objects.lookup(cap, rights);
    }

    DirectoryState.Objects mirror() {
      Port port = objects.port();
      return new DirectoryState.Objects() {
        @Override
        public void added(int object, long secret) {
          try {
            objects.install(object, object, secret);
          } catch (CapabilityException e) {
            throw new IllegalStateException("object " + object + " twice", e);
          }
        }

        @Override
        public void removed(int object, long secret) {
          try {
            objects.remove(CheckScheme.owner(port, object, secret));
          } catch (CapabilityException e) {
            throw new IllegalStateException("object " + object + " not there", e);
          }
        }
      };
    }

    @Override
    protected String info(Integer object) {
      return replica.info(object);
    }
  }

  static int answer(Result r, RpcMessage reply) {
    reply.data(ByteBuffer.wrap(r.data()));
    if (r.capability() != null) {
      reply.capability(r.capability());
    }
    return r.status();
  }

  /**
   * The leader port: open while this replica holds the group's lease (the replica says when).
   * A request on it is dispatched as if sent to the clients' port (its capability names that
   * port's objects). Threads exit by themselves once their server is closed.
   */
  static final class LeaderPort {
    private final Ipc ipc;
    private final Port getPort;
    private final Clients clients;
    private final int threads;
    private RpcServer serving; // guarded by this

    LeaderPort(Ipc ipc, Port getPort, Clients clients, int threads) {
      this.ipc = ipc;
      this.getPort = getPort;
      this.clients = clients;
      this.threads = threads;
    }

    synchronized void set(boolean on) {
      if (on == (serving != null)) {
        return;
      }
      if (!on) {
        serving.close();
        serving = null;
        return;
      }
      try {
        RpcServer s = ipc.serve(getPort);
        serving = s;
        for (int i = 0; i < threads; i++) {
          Thread t = new Thread(() -> loop(s), "dir-leader-" + i);
          t.setDaemon(true);
          t.start();
        }
      } catch (RuntimeException e) {
        Logger.warn("directory: cannot open the leader port: {}", e.getMessage()); // clients use the others
      }
    }

    private void loop(RpcServer s) {
      RpcMessage reply = new RpcMessage();
      long clientsPort = clients.objects().port().value();
      while (!s.isClosed()) {
        RpcMessage request = s.getreq(100_000_000L);
        if (request == null) {
          continue;
        }
        request.port(clientsPort);
        reply.clear();
        clients.dispatch(request, reply);
        try {
          s.putrep(reply);
        } catch (RuntimeException e) {
          return; // closed under the request: the client falls back to the clients' port
        }
      }
    }
  }

  /** The private port of a replica: FETCH (state transfer) and STATUS, owner capability only. */
  static final class Replicas extends Server<Integer> {
    private final DirectoryReplica replica;

    Replicas(DirectoryReplica replica, Port getPort) throws CapabilityException {
      super(getPort.putPort(), new CheckScheme(new SecureRandom()));
      this.replica = replica;
      objects.install(0, 0, BoardPorts.rootSecret(getPort));
      command(DirectoryCommand.FETCH.code(), Rights.ALL, (o, rq, rp) -> {
        if (rq.dataLength() != 8) {
          rp.data(ByteBuffer.wrap("FETCH takes an i64 marker".getBytes(StandardCharsets.UTF_8)));
          return ErrorCode.BADPARAM.code();
        }
        rp.data(ByteBuffer.wrap(replica.fetch(rq.data().getLong(rq.data().position()))));
        return 0;
      });
      command(DirectoryCommand.STATUS.code(), Rights.READ, (o, rq, rp) -> {
        rp.data(ByteBuffer.wrap(replica.status().getBytes(StandardCharsets.UTF_8)));
        return 0;
      });
      command(StdCommand.STD_DESTROY.code(), Rights.ALL, (o, rq, rp) -> ErrorCode.DENIED.code());
      command(StdCommand.STD_REVOKE.code(), Rights.ALL, (o, rq, rp) -> ErrorCode.DENIED.code());
    }

    @Override
    protected String info(Integer object) {
      return "directory replica port";
    }
  }
}
