package amoeba.tools;

import amoeba.flip.Endpoint;
import amoeba.flip.FlipBox;
import amoeba.flip.Message;
import amoeba.flip.wire.FlipAddress;
import amoeba.tools.bench.Latencies;
import amoeba.tools.bench.RawUdp;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code amoeba flip echo|ping}: a FLIP endpoint pair across two processes, like ping. */
@Command(
    name = "flip",
    description = "Talk FLIP directly: an echo endpoint and a ping against it.",
    subcommands = {FlipCommand.Echo.class, FlipCommand.Ping.class})
final class FlipCommand {
  static final long MILLI = 1_000_000L;

  /** Messages up to this size are echoed; larger ones are acknowledged with their length. */
  static final int ECHO_LIMIT = 65536;

  static long parseAddress(String text) {
    try {
      return Long.parseUnsignedLong(text.startsWith("0x") ? text.substring(2) : text, 16);
    } catch (NumberFormatException e) {
      throw new picocli.CommandLine.TypeConversionException(
          "'" + text + "' is not a FLIP address (16 hex digits)");
    }
  }

  @Command(
      name = "echo",
      description = {
        "Open a FLIP endpoint and echo every message back to its sender.",
        "Messages over 64 KiB are acknowledged with their length instead."
      },
      footer = {"", "Example:  amoeba flip echo   (then: amoeba flip ping ADDRESS)"})
  static final class Echo implements Callable<Integer> {
    @Mixin NetworkOptions net;

    @Option(names = "--address", paramLabel = "PRIVATE", converter = AddressConverter.class,
        description = "Private FLIP address to register (16 hex digits); default: random.")
    Long address;

    @Option(names = "--seconds", defaultValue = "0",
        description = "Stop after this many seconds (default: run until stopped).")
    long seconds;

    /** For benchmarks: also run raw UDP echo and sink sockets and announce their ports. */
    @Option(names = "--raw", hidden = true)
    boolean raw;

    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
      PrintWriter out = spec.commandLine().getOut();
      try (FlipBox box = net.openBox()) {
        // On the way out (also on SIGTERM), one line with what the box counted: test harnesses
        // read it to check that garbage and faults were dropped and counted, not fatal.
        Thread stats = new Thread(() -> {
          out.println("stats drops=" + box.drops().total() + " " + box.drops().snapshot()
              + " traffic=" + box.traffic());
          out.flush();
        });
        Runtime.getRuntime().addShutdownHook(stats);
        Endpoint e = address == null ? box.openRandom() : box.open(address);
        String rawPorts = raw ? " " + RawUdp.echo() + " " + RawUdp.sink() : "";
        out.println("ready " + FlipAddress.toString(e.address()) + rawPorts);
        out.flush();
        long deadline = seconds <= 0 ? Long.MAX_VALUE : System.nanoTime() + seconds * 1000 * MILLI;
        ByteBuffer ack = ByteBuffer.allocate(8);
        while (System.nanoTime() < deadline) {
          Message m = e.receive(Math.min(1000 * MILLI, Math.max(1, deadline - System.nanoTime())));
          if (m == null) {
            continue;
          }
          ByteBuffer p = m.payload();
          if (p.remaining() <= ECHO_LIMIT) {
            e.send(m.source(), p);
          } else {
            ack.clear();
            ack.putLong(0, p.remaining());
            e.send(m.source(), ack);
          }
          m.release();
        }
      }
      return 0;
    }
  }

  @Command(
      name = "ping",
      description = "Send messages to a FLIP address and time the echoes.",
      footer = {"", "Example:  amoeba flip ping 1a2b3c4d5e6f7000 --count 10 --size 64"})
  static final class Ping implements Callable<Integer> {
    @Mixin NetworkOptions net;

    @Parameters(paramLabel = "ADDRESS", converter = AddressConverter.class,
        description = "Public FLIP address of an echo endpoint (16 hex digits).")
    long address;

    @Option(names = {"-c", "--count"}, defaultValue = "5", description = "Messages to send, 1..1000000 (default: ${DEFAULT-VALUE}).")
    int count;

    @Option(names = {"-s", "--size"}, defaultValue = "64", description = "Message bytes, 0..65536 (default: ${DEFAULT-VALUE}).")
    int size;

    @Option(names = {"-i", "--interval-ms"}, defaultValue = "0", description = "Pause between messages (default: ${DEFAULT-VALUE}).")
    long intervalMs;

    @Option(names = {"-W", "--timeout-ms"}, defaultValue = "1000", description = "Wait per reply (default: ${DEFAULT-VALUE}).")
    long timeoutMs;

    @Option(names = {"-q", "--quiet"}, description = "Only the summary.")
    boolean quiet;

    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      if (count < 1 || count > 1_000_000 || size < 0 || size > ECHO_LIMIT) {
        throw new picocli.CommandLine.ParameterException(
            spec.commandLine(), "--count must be 1..1000000 and --size 0..65536");
      }
      PrintWriter out = spec.commandLine().getOut();
      try (FlipBox box = net.openBox()) {
        Endpoint e = box.openRandom();
        if (!e.locate(address, 5000 * MILLI)) {
          throw new CliFailure("nobody answers at " + FlipAddress.toString(address) + " (LOCATE timed out)");
        }
        byte[] data = new byte[size];
        new SecureRandom().nextBytes(data);
        ByteBuffer msg = ByteBuffer.wrap(data);
        Latencies lat = new Latencies(count);
        int received = 0;
        for (int seq = 1; seq <= count; seq++) {
          long t0 = System.nanoTime();
          e.send(address, msg);
          Message m = e.receive(timeoutMs * MILLI);
          long t1 = System.nanoTime();
          if (m == null) {
            if (!quiet) {
              out.printf(Locale.ROOT, "seq=%d timeout%n", seq);
            }
          } else {
            boolean same = m.payload().equals(msg);
            m.release();
            received++;
            lat.record(t1 - t0);
            if (!quiet) {
              out.printf(Locale.ROOT, "%d bytes from %s: seq=%d time=%.3f ms%s%n", size,
                  FlipAddress.toString(address), seq, (t1 - t0) / 1e6, same ? "" : " (CORRUPT)");
            }
          }
          if (intervalMs > 0 && seq < count) {
            java.util.concurrent.locks.LockSupport.parkNanos(intervalMs * MILLI);
          }
        }
        out.printf(Locale.ROOT, "%d sent, %d received, %.1f%% lost", count, received,
            100.0 * (count - received) / count);
        if (received > 0) {
          out.printf(Locale.ROOT, "; p50 %.1f us, p99 %.1f us", lat.percentileMicros(50),
              lat.percentileMicros(99));
        }
        out.println();
        out.flush();
        if (received == 0) {
          throw new CliFailure("no reply from " + FlipAddress.toString(address));
        }
      }
      return 0;
    }
  }

  static final class AddressConverter implements picocli.CommandLine.ITypeConverter<Long> {
    @Override
    public Long convert(String value) {
      return parseAddress(value);
    }
  }
}
