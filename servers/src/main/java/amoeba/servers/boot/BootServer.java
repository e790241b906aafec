package amoeba.servers.boot;

import amoeba.capabilities.ErrorCode;
import amoeba.capabilities.Port;
import amoeba.capabilities.Rights;
import amoeba.ipc.rpc.RpcMessage;
import amoeba.kernel.server.Wire;
import amoeba.servers.PoolServer;
import java.util.List;
import java.util.random.RandomGenerator;

/** The boot server's RPC face ({@link BootServerCommand}) over its {@link Supervisor}. */
public final class BootServer extends PoolServer {
  private final Supervisor supervisor;

  public BootServer(Port getPort, Supervisor supervisor, RandomGenerator random) {
    super(getPort, random);
    this.supervisor = supervisor;
    command(BootServerCommand.LIST.code(), Rights.READ, (o, rq, rp) -> list(rp));
    command(BootServerCommand.ADD.code(), Rights.CREATE, (o, rq, rp) -> add(rq, rp));
    command(BootServerCommand.REMOVE.code(), Rights.DELETE, (o, rq, rp) -> remove(rq, rp));
  }

  @Override
  protected String info(Service object) {
    return "boot server";
  }

  private int list(RpcMessage reply) {
    List<Supervisor.ServiceView> services = supervisor.services();
    List<Supervisor.Event> events = supervisor.events();
    Wire.Out out = new Wire.Out().u16(services.size());
    for (Supervisor.ServiceView s : services) {
      s.spec().write(out);
      out.u16(s.owedRestarts()).u16(s.instances().size());
      for (Supervisor.Instance i : s.instances()) {
        out.str(i.board()).i32(i.pid()).u8(i.health().ordinal() + 1);
      }
    }
    out.u16(events.size());
    for (Supervisor.Event e : events) {
      out.i64(e.timeMs()).str(e.service()).str(e.text());
    }
    reply.data(out.buffer());
    return 0;
  }

  private int add(RpcMessage request, RpcMessage reply) {
    ServiceSpec spec;
    try {
      spec = ServiceSpec.read(new Wire.In(request.data()));
    } catch (Wire.Malformed e) {
      return fail(reply, ErrorCode.BADPARAM, "ADD: " + e.getMessage());
    }
    ErrorCode result = supervisor.add(spec);
    return result == ErrorCode.OK ? 0 : fail(reply, result, "ADD " + spec.name() + ": " + result.message());
  }

  private int remove(RpcMessage request, RpcMessage reply) {
    String name;
    try {
      name = new Wire.In(request.data()).str();
    } catch (Wire.Malformed e) {
      return fail(reply, ErrorCode.BADPARAM, "REMOVE: " + e.getMessage());
    }
    ErrorCode result = supervisor.remove(name);
    return result == ErrorCode.OK ? 0 : fail(reply, result, "REMOVE " + name + ": " + result.message());
  }
}
