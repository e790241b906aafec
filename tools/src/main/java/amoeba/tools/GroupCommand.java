package amoeba.tools;

import amoeba.flip.FlipBox;
import amoeba.ipc.group.GroupConfig;
import amoeba.ipc.group.GroupInfo;
import amoeba.ipc.group.GroupMessage;
import amoeba.ipc.group.GroupMember;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code amoeba group member|info}: a group member process, and a look at a group. */
@Command(
    name = "group",
    description = "Totally ordered group communication: run a member, show a group.",
    subcommands = {GroupCommand.Member.class, GroupCommand.Info.class})
final class GroupCommand {
  static final long MILLI = 1_000_000L;

  static long parsePort(String text) {
    return Long.parseUnsignedLong(text.startsWith("0x") ? text.substring(2) : text, 16);
  }

  @Command(name = "member",
      description = "Create or join the group on PORT and deliver (and discard) its messages.")
  static final class Member implements Callable<Integer> {
    @Mixin NetworkOptions net;

    @Parameters(index = "0", paramLabel = "PORT", description = "Group port (hex, 48 bits).")
    String port;

    @Option(names = "--create", description = "Create the group (this member is its sequencer).")
    boolean create;

    @Option(names = "--resilience", defaultValue = "0", description = "r (default: ${DEFAULT-VALUE}).")
    int resilience;

    @Option(names = "--seconds", defaultValue = "0", description = "Stop after this many seconds (default: run until stopped).")
    long seconds;

    /** For system tests: send this many messages "<member>:<i>" (after --wait-members join). */
    @Option(names = "--send", defaultValue = "0", hidden = true)
    int send;

    @Option(names = "--wait-members", defaultValue = "1", hidden = true)
    int waitMembers;

    /** For system tests: print the delivered sequence on exit ("log a,b,c"). */
    @Option(names = "--log", hidden = true)
    boolean log;

    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      GroupConfig cfg = GroupConfig.defaults().withResilience(resilience);
      java.util.List<String> delivered = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
      try (FlipBox box = net.openBox();
          GroupMember m = create
              ? GroupMember.create(box, parsePort(port), cfg)
              : GroupMember.join(box, parsePort(port), cfg, 5000 * MILLI)) {
        int me = m.info().memberId();
        out.println("ready " + me);
        out.flush();
        if (log) {
          Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            out.println("log " + String.join(",", delivered));
            out.flush();
          }));
        }
        if (send > 0) {
          Thread sender = new Thread(() -> {
            long joinDeadline = System.nanoTime() + 30_000 * MILLI;
            while (m.info().members().size() < waitMembers && System.nanoTime() < joinDeadline) {
              java.util.concurrent.locks.LockSupport.parkNanos(10 * MILLI);
            }
            for (int i = 0; i < send; i++) {
              m.send((me + ":" + i).getBytes(java.nio.charset.StandardCharsets.UTF_8));
            }
          }, "group-sender");
          sender.setDaemon(true);
          sender.start();
        }
        long deadline = seconds <= 0 ? Long.MAX_VALUE : System.nanoTime() + seconds * 1000 * MILLI;
        while (System.nanoTime() < deadline) {
          GroupMessage g = m.receive(100 * MILLI);
          if (g != null && log) {
            delivered.add(new String(g.data(), java.nio.charset.StandardCharsets.UTF_8));
          }
        }
      }
      return 0;
    }
  }

  @Command(name = "info",
      description = "Join the group on PORT briefly and show its members, sequencer, incarnation"
          + " and last sequence number.")
  static final class Info implements Callable<Integer> {
    @Mixin NetworkOptions net;

    @Parameters(index = "0", paramLabel = "PORT", description = "Group port (hex, 48 bits).")
    String port;

    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      try (FlipBox box = net.openBox();
          GroupMember m = GroupMember.join(box, parsePort(port), GroupConfig.defaults(), 5000 * MILLI)) {
        GroupInfo i = m.info();
        out.printf("members      %s%n", i.members().keySet());
        out.printf("sequencer    %d%n", i.sequencerId());
        out.printf("incarnation  %d%n", i.incarnation());
        out.printf("last seq     %d%n", i.lastSeq());
        out.flush();
        m.leave(2000 * MILLI);
      }
      return 0;
    }
  }
}
