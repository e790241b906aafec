package amoeba.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.Properties;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The current profile gives pool-using commands their defaults, but not the benchmarks (which
 * start their own peers: a profile naming a real pool's pool id once made every bench child
 * drop the parent's packets as another pool's), and AMOEBA_POOL=none turns it off.
 */
class PoolProfileTest {
  @TempDir Path home;
  private String previousHome;

  @BeforeEach
  void profile() throws Exception {
    previousHome = System.setProperty("amoeba.home", home.toString());
    Properties p = new Properties();
    p.setProperty("group-port", "7123");
    p.setProperty("pool-id", "4242");
    p.setProperty("boards", "b1,b2,b3,b4");
    PoolProfile.write("real", p);
  }

  @AfterEach
  void restore() {
    System.clearProperty("amoeba.pool");
    if (previousHome == null) {
      System.clearProperty("amoeba.home");
    } else {
      System.setProperty("amoeba.home", previousHome);
    }
  }

  private static String defaultOf(String command, String option) {
    CommandLine cli = Amoeba.commandLine(new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter()));
    CommandLine sub = cli;
    for (String name : command.split(" ")) {
      sub = sub.getSubcommands().get(name);
    }
    return PoolProfile.current().defaultValue(sub.getCommandSpec().findOption(option));
  }

  @Test
  void poolCommandsTakeTheCurrentProfilesValues() {
    assertEquals("real", PoolProfile.currentName());
    assertEquals("7123", defaultOf("group member", "--group-port"));
    assertEquals("4242", defaultOf("group member", "--pool-id"));
  }

  @Test
  void benchmarksAndTheirSubcommandsIgnoreIt() {
    assertNull(defaultOf("bench mutex", "--boards"));
    assertNull(defaultOf("emulate", "--boards"));
  }

  @Test
  void amoebaPoolNoneTurnsProfilesOff() {
    System.setProperty("amoeba.pool", PoolProfile.NONE);
    assertNull(PoolProfile.currentName());
    assertNull(defaultOf("group member", "--pool-id"));
  }

  @Test
  void amoebaPoolNamesTheProfileForOneCommand() throws Exception {
    Properties other = new Properties();
    other.setProperty("pool-id", "7");
    PoolProfile.write("other", other);
    PoolProfile.use("real");
    System.setProperty("amoeba.pool", "other");
    assertEquals("7", defaultOf("group member", "--pool-id"));
  }
}
