package amoeba.tools;

import amoeba.capabilities.Capability;
import amoeba.flip.FlipBox;
import amoeba.ipc.rpc.Rpc;
import amoeba.ipc.rpc.RpcConfig;
import amoeba.ipc.rpc.RpcException;
import amoeba.ipc.rpc.StdClient;
import java.io.PrintWriter;
import java.security.SecureRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code amoeba std info CAP}: the standard commands every server answers. */
@Command(
    name = "std",
    description = "Standard commands every server answers.",
    subcommands = {StdCli.Info.class})
final class StdCli {
  static final long MILLI = 1_000_000L;

  /** What the standard-command CLI calls need: the network and a timeout. */
  static final class CallOptions {
    @Mixin NetworkOptions net;

    @Option(names = {"-W", "--timeout-ms"}, defaultValue = "5000", description = "Give up after this long (default: ${DEFAULT-VALUE}).")
    long timeoutMs;

    /** Runs {@code call} with a client on a fresh box; an RPC error becomes one CLI line. */
    <T> T call(StdCall<T> call) {
      try (FlipBox box = net.openBox();
          Rpc rpc = new Rpc(box, RpcConfig.defaults(), new SecureRandom())) {
        return call.apply(new StdClient(rpc, timeoutMs * MILLI));
      } catch (RpcException e) {
        throw new CliFailure(e.getMessage(), e);
      }
    }
  }

  @FunctionalInterface
  interface StdCall<T> {
    T apply(StdClient client) throws RpcException;
  }

  @Command(name = "info", description = "Print the server's short description of the object (STD_INFO).")
  static final class Info implements Callable<Integer> {
    @Parameters(paramLabel = "CAP", description = "A capability: cap: and 32 hex digits.",
        converter = CapArgs.CapabilityConverter.class)
    Capability cap;

    @Mixin CallOptions options;

    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      String text = options.call(c -> c.info(cap));
      PrintWriter out = spec.commandLine().getOut();
      out.println(text);
      out.flush();
      return 0;
    }
  }
}
