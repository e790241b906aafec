package amoeba.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Every command a user sees ends its --help with an example. */
class ExamplesTest {
  @Test
  void everyVisibleCommandHasAnExample() {
    CommandLine root = Amoeba.commandLine(new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter()));
    List<String> missing = new ArrayList<>();
    walk(root, missing);
    assertEquals(List.of(), missing, "commands whose --help shows no example");
  }

  @Test
  void theExampleIsPrintedByHelp() {
    StringWriter out = new StringWriter();
    assertEquals(0, Amoeba.run(new String[] {"dir", "ls", "--help"}, new PrintWriter(out, true),
        new PrintWriter(new StringWriter(), true)));
    assertTrue(out.toString().contains("amoeba dir ls /bin"), out.toString());
  }

  private static void walk(CommandLine cli, List<String> missing) {
    if (cli.getCommandSpec().usageMessage().hidden()) {
      return;
    }
    String[] footer = cli.getCommandSpec().usageMessage().footer();
    String all = footer == null ? "" : String.join("\n", footer);
    if (!all.contains("amoeba ") && cli.getParent() != null) {
      missing.add(Examples.qualifiedName(cli));
    }
    cli.getSubcommands().values().stream().distinct().forEach(c -> walk(c, missing));
  }
}
