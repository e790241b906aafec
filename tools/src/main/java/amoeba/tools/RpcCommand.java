package amoeba.tools;

import amoeba.capabilities.CapabilityText;
import amoeba.capabilities.Port;
import amoeba.flip.FlipBox;
import amoeba.ipc.rpc.Rpc;
import amoeba.ipc.rpc.RpcConfig;
import amoeba.tools.bench.NullServer;
import amoeba.tools.bench.RawUdp;
import java.io.IOException;
import java.io.PrintWriter;
import java.security.SecureRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.locks.LockSupport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code amoeba rpc serve-null}: the benchmark's (and the CLI tests') server process. */
@Command(
    name = "rpc",
    hidden = true,
    description = "RPC diagnostics.",
    subcommands = {RpcCommand.ServeNull.class, RpcCommand.CallLoop.class})
final class RpcCommand {

  @Command(
      name = "serve-null",
      description = {
        "Serve the null/echo server on GETPORT and print 'ready PUTPORT OWNERCAP [ECHO SINK]'.",
        "Its one object answers the standard commands; ECHO returns up to 64 KiB of data."
      })
  static final class ServeNull implements Callable<Integer> {
    @Mixin NetworkOptions net;

    @Option(names = "--get-port", paramLabel = "GETPORT", converter = CapArgs.PortConverter.class,
        description = "Get-port to serve (12 hex digits); default: random.")
    Port getPort;

    @Option(names = "--threads", defaultValue = "4", description = "Serving threads (default: ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--seconds", defaultValue = "0", description = "Stop after this many seconds (default: run until stopped).")
    long seconds;

    /** For benchmarks: also run raw UDP echo and sink sockets and announce their ports. */
    @Option(names = "--raw", hidden = true)
    boolean raw;

    /** For system tests: count executions per request id and print them on exit. */
    @Option(names = "--count-executions", hidden = true)
    boolean countExecutions;

    /** For `bench mqtt`: also echo raw Paho messages on this topic (the baseline). */
    @Option(names = "--paho-echo", hidden = true)
    String pahoEcho;

    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
      PrintWriter out = spec.commandLine().getOut();
      SecureRandom random = new SecureRandom();
      Port get = getPort == null ? Port.random(random) : getPort;
      try (FlipBox box = net.openBox();
          Rpc rpc = new Rpc(box, RpcConfig.defaults(), random)) {
        NullServer server = new NullServer(get.putPort(), random, countExecutions);
        if (countExecutions) {
          Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            out.println(server.executionSummary());
            out.flush();
          }));
        }
        String owner = CapabilityText.format(server.owner());
        server.serve(rpc.server(get), threads);
        String rawPorts = raw ? " " + RawUdp.echo() + " " + RawUdp.sink() : "";
        if (pahoEcho != null) {
          amoeba.tools.bench.RawPaho.echo(net.brokers.get(0), pahoEcho);
        }
        out.println("ready " + get.putPort() + " " + owner + rawPorts);
        out.flush();
        long deadline = seconds <= 0 ? Long.MAX_VALUE : System.nanoTime() + seconds * 1_000_000_000L;
        while (System.nanoTime() - deadline < 0) {
          LockSupport.parkNanos(Math.min(1_000_000_000L, deadline - System.nanoTime()));
        }
        server.stop();
      }
      return 0;
    }
  }

  @Command(
      name = "call-loop",
      description = {
        "Call ECHO on PUTPORT COUNT times, each with a fresh request id, and print",
        "'calls ok=N failed=M' (system tests check executions against it)."
      })
  static final class CallLoop implements Callable<Integer> {
    @Mixin NetworkOptions net;

    @picocli.CommandLine.Parameters(paramLabel = "PUTPORT", converter = CapArgs.PortConverter.class)
    Port putPort;

    @Option(names = "--count", defaultValue = "100")
    int count;

    @Option(names = "--timeout-ms", defaultValue = "2000")
    long timeoutMs;

    /** Print "started" once the server is located, so a test can time its faults. */
    @Option(names = "--started", hidden = true)
    boolean started;

    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
      PrintWriter out = spec.commandLine().getOut();
      SecureRandom random = new SecureRandom();
      long base = random.nextLong() & 0x7fff_ffff_0000_0000L; // ids of this client only
      int ok = 0;
      int failed = 0;
      try (FlipBox box = net.openBox();
          Rpc rpc = new Rpc(box, RpcConfig.defaults(), random)) {
        for (int i = 0; i < count; i++) {
          if (i == 1 && started) {
            out.println("started");
            out.flush();
          }
          java.nio.ByteBuffer data = java.nio.ByteBuffer.allocate(16);
          data.putLong(0, base + i);
          amoeba.ipc.rpc.RpcMessage reply = rpc.trans(
              new amoeba.ipc.rpc.RpcMessage().port(putPort.value()).command(NullServer.ECHO).data(data),
              timeoutMs * 1_000_000L);
          if (reply.ok()) {
            ok++;
          } else {
            failed++;
          }
          reply.release();
        }
      }
      out.println("calls ok=" + ok + " failed=" + failed);
      out.flush();
      return 0;
    }
  }
}
