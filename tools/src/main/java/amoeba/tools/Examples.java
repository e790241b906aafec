package amoeba.tools;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;

/**
 * The one registry of usage examples: each command's --help ends with them. Keyed by the
 * command's qualified name without "amoeba" ("dir ls"). A command whose own footer shows an
 * example keeps just that.
 */
final class Examples {
  private Examples() {}

  static final Map<String, List<String>> BY_COMMAND = Map.ofEntries(
      Map.entry("boot", List.of("amoeba boot --name b1 --data /var/lib/amoeba --service bullet --service publish")),
      Map.entry("exec", List.of("amoeba exec --on b2 examples/target/examples-hello.jar world",
          "amoeba exec --on b2 --isolation jvm --heap-mb 32 examples/target/examples-cpu.jar")),
      Map.entry("run", List.of("amoeba run /bin/hello world", "amoeba run --needs model=pi4b /bin/blink b1/led",
          "amoeba run -d /bin/counter 3f2a9c0d1e55")),
      Map.entry("services", List.of("amoeba services ls", "amoeba services add web /bin/echo --instances 2")),
      Map.entry("services ls", List.of("amoeba services ls --json")),
      Map.entry("services add", List.of("amoeba services add counter /bin/counter 3f2a9c0d1e55 --instances 1")),
      Map.entry("services rm", List.of("amoeba services rm counter")),
      Map.entry("ps", List.of("amoeba ps --board b1,b2 --json")),
      Map.entry("kill", List.of("amoeba kill 7 --on b2")),
      Map.entry("stun", List.of("amoeba stun 7 --on b2")),
      Map.entry("migrate", List.of("amoeba migrate 7 --on b1 --to b2")),
      Map.entry("board", List.of("amoeba board info b1", "amoeba board show pi4b")),
      Map.entry("board info", List.of("amoeba board info b1 --json")),
      Map.entry("board load", List.of("amoeba board load b1")),
      Map.entry("board peers", List.of("amoeba board peers b1")),
      Map.entry("board shutdown", List.of("amoeba board shutdown b3")),
      Map.entry("board devices", List.of("amoeba board devices b1", "amoeba board devices b1 --cap")),
      Map.entry("board list", List.of("amoeba board list")),
      Map.entry("board show", List.of("amoeba board show pi4b")),
      Map.entry("board detect", List.of("amoeba board detect")),
      Map.entry("pool", List.of("amoeba pool status")),
      Map.entry("pool status", List.of("amoeba pool status --json")),
      Map.entry("pools", List.of("amoeba pools ls", "amoeba pools use emulated")),
      Map.entry("pools ls", List.of("amoeba pools ls")),
      Map.entry("pools use", List.of("amoeba pools use emulated")),
      Map.entry("chaos partition", List.of("amoeba chaos partition b1,b2 b3,b4")),
      Map.entry("chaos heal", List.of("amoeba chaos heal")),
      Map.entry("chaos faults", List.of("amoeba chaos faults loss=10%,dup=2%,reorder=5%")),
      Map.entry("chaos clear", List.of("amoeba chaos clear")),
      Map.entry("chaos status", List.of("amoeba chaos status")),
      Map.entry("chaos kill", List.of("amoeba chaos kill b3")),
      Map.entry("chaos pause", List.of("amoeba chaos pause b2 --seconds 5")),
      Map.entry("gpio", List.of("amoeba gpio b1/led write 1", "amoeba gpio /dev/b1/button watch",
          "amoeba gpio b1/button press")),
      Map.entry("pwm", List.of("amoeba pwm b2/fan set --freq 25000 --duty 40")),
      Map.entry("i2c", List.of("amoeba i2c b1/i2c1 read 0x48 0 2")),
      Map.entry("sensor", List.of("amoeba sensor b1/temp read")),
      Map.entry("dir", List.of("amoeba dir ls /", "amoeba dir mkdir /home/alice")),
      Map.entry("dir ls", List.of("amoeba dir ls /bin", "amoeba dir ls /pool --json")),
      Map.entry("dir mkdir", List.of("amoeba dir mkdir /home/alice")),
      Map.entry("dir put", List.of("amoeba dir put /home/alice/b1 cap:6ee47b78b8c4000001ff33cf7410e25f")),
      Map.entry("dir get", List.of("amoeba dir get /bin/hello --json")),
      Map.entry("dir rm", List.of("amoeba dir rm /home/alice/old")),
      Map.entry("dir chmod", List.of("amoeba dir chmod /home/alice/notes 2 0x02")),
      Map.entry("file", List.of("amoeba file put notes.txt /home/alice/notes", "amoeba file cat /home/alice/notes")),
      Map.entry("file put", List.of("amoeba file put notes.txt /home/alice/notes", "amoeba file put big.iso --replicas 3")),
      Map.entry("file cat", List.of("amoeba file cat /home/alice/notes", "amoeba file cat /bin/hello -o hello.jar")),
      Map.entry("file stat", List.of("amoeba file stat /bin/hello --json")),
      Map.entry("file repair", List.of("amoeba file repair", "amoeba file repair /home/alice --boards b1,b2,b3")),
      Map.entry("lock", List.of("amoeba lock hold motor --algo central --seconds 10", "amoeba lock status motor")),
      Map.entry("lock hold", List.of("amoeba lock hold motor --algo ring -- ./drive-motor.sh")),
      Map.entry("lock status", List.of("amoeba lock status motor")),
      Map.entry("elect", List.of("amoeba elect status --on b1")),
      Map.entry("elect status", List.of("amoeba elect status --on b1")),
      Map.entry("top", List.of("amoeba top", "amoeba top --once")),
      Map.entry("bench", List.of("amoeba bench rpc --json", "amoeba bench group --members 5")),
      Map.entry("completion", List.of("source <(amoeba completion bash)")),
      Map.entry("cap", List.of("amoeba cap new-port", "amoeba cap decode cap:6ee47b78b8c4000001ff33cf7410e25f")),
      Map.entry("cap new-port", List.of("amoeba cap new-port")),
      Map.entry("cap new", List.of("amoeba cap new --port 3f2a9c0d1e55 --object 7")),
      Map.entry("cap decode", List.of("amoeba cap decode cap:6ee47b78b8c4000001ff33cf7410e25f")),
      Map.entry("cap restrict", List.of("amoeba cap restrict cap:6ee47b78b8c4000001ff33cf7410e25f --rights 0x02")),
      Map.entry("cap revoke", List.of("amoeba cap revoke cap:6ee47b78b8c4000001ff33cf7410e25f")),
      Map.entry("std", List.of("amoeba std info cap:6ee47b78b8c4000001ff33cf7410e25f")),
      Map.entry("std info", List.of("amoeba std info cap:6ee47b78b8c4000001ff33cf7410e25f")),
      Map.entry("flip", List.of("amoeba flip echo", "amoeba flip ping 1a2b3c4d5e6f7000 --count 10")),
      Map.entry("group", List.of("amoeba group member 5eed00000001 --create", "amoeba group info 5eed00000001")),
      Map.entry("group member", List.of("amoeba group member 5eed00000001 --create")),
      Map.entry("group info", List.of("amoeba group info 5eed00000001")),
      Map.entry("bench boot", List.of("amoeba bench boot --json")),
      Map.entry("bench cap", List.of("amoeba bench cap --json")),
      Map.entry("bench mqtt", List.of("amoeba bench mqtt --json")),
      Map.entry("bench migrate", List.of("amoeba bench migrate --json")),
      Map.entry("bench run", List.of("amoeba bench run --json")),
      Map.entry("bench mutex", List.of("amoeba bench mutex --boards 5 --json")),
      Map.entry("bench gpio", List.of("amoeba bench gpio --json")),
      Map.entry("bench dir", List.of("amoeba bench dir --json")),
      Map.entry("bench fs", List.of("amoeba bench fs --json")));

  /** Appends the examples to the footer of every command whose own footer shows none. */
  static void apply(CommandLine cli) {
    String name = qualifiedName(cli);
    List<String> lines = BY_COMMAND.get(name);
    String[] footer = cli.getCommandSpec().usageMessage().footer();
    if (lines != null && (footer == null || !String.join("\n", footer).contains("amoeba "))) {
      List<String> f = new ArrayList<>(footer == null ? List.of() : List.of(footer));
      f.add("");
      f.add(lines.size() == 1 ? "Example:" : "Examples:");
      lines.forEach(l -> f.add("  " + l));
      cli.getCommandSpec().usageMessage().footer(f.toArray(new String[0]));
    }
    cli.getSubcommands().values().forEach(Examples::apply);
  }

  static String qualifiedName(CommandLine cli) {
    String q = cli.getCommandSpec().qualifiedName();
    return q.startsWith("amoeba ") ? q.substring("amoeba ".length()) : q.equals("amoeba") ? "" : q;
  }
}
