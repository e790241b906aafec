package amoeba.tools;

import amoeba.capabilities.Capability;
import amoeba.capabilities.CapabilityText;
import amoeba.capabilities.CheckScheme;
import amoeba.capabilities.NeedsServerException;
import amoeba.capabilities.Port;
import amoeba.capabilities.Rights;
import java.io.PrintWriter;
import java.security.SecureRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code amoeba cap ...}: make, inspect and restrict capabilities. */
@Command(
    name = "cap",
    description = "Make, inspect and restrict capabilities.",
    subcommands = {
      CapCommand.NewPort.class,
      CapCommand.New.class,
      CapCommand.Decode.class,
      CapCommand.Restrict.class,
      CapCommand.Revoke.class,
    })
final class CapCommand {

  @Command(
      name = "new-port",
      description = {
        "Print a fresh random get-port and its put-port F(get-port).",
        "Keep the get-port secret: whoever has it can listen as the server."
      })
  static final class NewPort implements Callable<Integer> {
    @Option(names = "--json", description = "One JSON object instead of two lines.")
    boolean json;

    @Spec CommandSpec spec;

    @Override
    public Integer call() {
      Port get = Port.random(new SecureRandom());
      Port put = get.putPort();
      PrintWriter out = spec.commandLine().getOut();
      if (json) {
        out.println("{\"get_port\": \"" + get + "\", \"put_port\": \"" + put + "\"}");
      } else {
        out.println("get-port " + get);
        out.println("put-port " + put);
      }
      out.flush();
      return 0;
    }
  }

  @Command(
      name = "new",
      description = {
        "Print the owner capability of object N of the server listening on GETPORT.",
        "For testing and bootstrap: the check is derived from the get-port and the object",
        "number (HMAC-SHA256, low 48 bits), so whoever holds the get-port can remake it.",
        "Servers draw random secrets for the objects they create."
      })
  static final class New implements Callable<Integer> {
    @Option(
        names = "--port",
        required = true,
        paramLabel = "GETPORT",
        description = "The server's get-port, 12 hex digits.",
        converter = CapArgs.PortConverter.class)
    Port getPort;

    @Option(
        names = "--object",
        paramLabel = "N",
        defaultValue = "0",
        description = "Object number, 0..16777215, decimal or 0x hex (default: ${DEFAULT-VALUE}).",
        converter = CapArgs.ObjectConverter.class)
    int object;

    @Spec CommandSpec spec;

    @Override
    public Integer call() {
      if (getPort.isNull()) {
        throw new CliFailure("the null port 000000000000 has no server");
      }
      CheckScheme scheme = new CheckScheme(new SecureRandom());
      Capability owner =
          CheckScheme.owner(getPort.putPort(), object, scheme.bootstrapSecret(getPort, object));
      PrintWriter out = spec.commandLine().getOut();
      out.println(CapabilityText.format(owner));
      out.flush();
      return 0;
    }
  }

  @Command(name = "decode", description = "Show the fields of a capability.")
  static final class Decode implements Callable<Integer> {
    @Parameters(
        paramLabel = "CAP",
        description = "A capability: cap: and 32 hex digits.",
        converter = CapArgs.CapabilityConverter.class)
    Capability cap;

    @Option(names = "--json", description = "One JSON object instead of a table.")
    boolean json;

    @Spec CommandSpec spec;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      String letters = Rights.toLetters(cap.rights());
      String hex = Rights.toHex(cap.rights());
      String check = String.format("%012x", cap.check());
      if (json) {
        out.println("{\"port\": \"" + cap.port() + "\", \"object\": " + cap.object()
            + ", \"rights\": \"" + letters + "\", \"rights_hex\": \"" + hex
            + "\", \"check\": \"" + check + "\", \"owner\": " + cap.isOwner() + "}");
      } else {
        out.println("port    " + cap.port());
        out.println("object  " + cap.object());
        out.println("rights  " + letters + " " + hex);
        out.println("check   " + check);
        out.println("kind    " + (cap.isOwner() ? "owner" : "restricted"));
      }
      out.flush();
      return 0;
    }
  }

  @Command(
      name = "restrict",
      description = {
        "Print a capability for the same object with rights CAP's & MASK.",
        "Done locally for an owner capability; any other asks its server (STD_RESTRICT)."
      })
  static final class Restrict implements Callable<Integer> {
    @Parameters(
        paramLabel = "CAP",
        description = "A capability: cap: and 32 hex digits.",
        converter = CapArgs.CapabilityConverter.class)
    Capability cap;

    @Mixin StdCli.CallOptions options;

    @Option(
        names = "--rights",
        required = true,
        paramLabel = "MASK",
        description = "Rights to keep: 0x hex (0x02) or letters (-r------, crmd---a).",
        converter = CapArgs.RightsConverter.class)
    int mask;

    @Spec CommandSpec spec;

    @Override
    public Integer call() {
      Capability restricted;
      try {
        restricted = new CheckScheme(new SecureRandom()).restrict(cap, mask);
      } catch (NeedsServerException e) {
        restricted = options.call(c -> c.restrict(cap, mask)); // only the server knows R
      }
      PrintWriter out = spec.commandLine().getOut();
      out.println(CapabilityText.format(restricted));
      out.flush();
      return 0;
    }
  }

  @Command(
      name = "revoke",
      description = {
        "Ask the server for a new secret for CAP's object (owner capability only).",
        "Prints the new owner capability; every older capability of the object stops working."
      })
  static final class Revoke implements Callable<Integer> {
    @Parameters(
        paramLabel = "CAP",
        description = "The owner capability: cap: and 32 hex digits.",
        converter = CapArgs.CapabilityConverter.class)
    Capability cap;

    @Mixin StdCli.CallOptions options;

    @Spec CommandSpec spec;

    @Override
    public Integer call() {
      Capability fresh = options.call(c -> c.revoke(cap));
      PrintWriter out = spec.commandLine().getOut();
      out.println(CapabilityText.format(fresh));
      out.flush();
      return 0;
    }
  }
}
