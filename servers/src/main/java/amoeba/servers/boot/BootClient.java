package amoeba.servers.boot;

import amoeba.capabilities.Capability;
import amoeba.capabilities.ErrorCode;
import amoeba.ipc.rpc.RpcException;
import amoeba.kernel.server.Transactions;
import amoeba.kernel.server.Wire;
import amoeba.servers.Calls;
import java.util.ArrayList;
import java.util.List;

/** Client stubs of the boot server ({@link BootServerCommand}). */
public final class BootClient {
  /** An instance as LIST shows it. */
  public record InstanceView(String board, int pid, Supervisor.Health health) {}

  /** A service as LIST shows it. */
  public record ServiceListing(ServiceSpec spec, int owedRestarts, List<InstanceView> instances) {}

  /** LIST's reply. */
  public record Listing(List<ServiceListing> services, List<Supervisor.Event> events) {}

  private final Transactions rpc;
  private final long timeoutNanos;

  public BootClient(Transactions rpc, long timeoutNanos) {
    this.rpc = rpc;
    this.timeoutNanos = timeoutNanos;
  }

  private Calls.Reply call(Capability cap, BootServerCommand c, Wire.Out data) throws RpcException {
    return Calls.call(rpc, cap, c.code(), c.name(), data, timeoutNanos);
  }

  public Listing list(Capability boot) throws RpcException {
    Wire.In in = call(boot, BootServerCommand.LIST, new Wire.Out()).data();
    try {
      List<ServiceListing> services = new ArrayList<>();
      for (int n = in.u16(); n > 0; n--) {
        ServiceSpec spec = ServiceSpec.read(in);
        int owed = in.u16();
        List<InstanceView> instances = new ArrayList<>();
        for (int k = in.u16(); k > 0; k--) {
          String board = in.str();
          int pid = in.i32();
          int h = in.u8();
          if (h < 1 || h > Supervisor.Health.values().length) {
            throw new Wire.Malformed("unknown health " + h);
          }
          instances.add(new InstanceView(board, pid, Supervisor.Health.values()[h - 1]));
        }
        services.add(new ServiceListing(spec, owed, instances));
      }
      List<Supervisor.Event> events = new ArrayList<>();
      for (int n = in.u16(); n > 0; n--) {
        events.add(new Supervisor.Event(in.i64(), in.str(), in.str()));
      }
      return new Listing(services, events);
    } catch (Wire.Malformed e) {
      throw new RpcException(ErrorCode.BADPARAM.code(), "LIST reply: " + e.getMessage());
    }
  }

  public void add(Capability boot, ServiceSpec spec) throws RpcException {
    Wire.Out d = new Wire.Out();
    spec.write(d);
    call(boot, BootServerCommand.ADD, d);
  }

  public void remove(Capability boot, String name) throws RpcException {
    call(boot, BootServerCommand.REMOVE, new Wire.Out().str(name));
  }
}
