package amoeba.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amoeba.tools.bench.PeerProcess;
import java.net.InetSocketAddress;
import java.nio.channels.DatagramChannel;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `amoeba emulate --demo` runs its tour to the end on four boards and stops by itself. */
class EmulateDemoTest {
  @TempDir Path home;
  String previousHome;

  @BeforeEach
  void ownHome() {
    previousHome = System.setProperty("amoeba.home", home.toString());
  }

  @AfterEach
  void restoreHome() {
    if (previousHome == null) {
      System.clearProperty("amoeba.home");
    } else {
      System.setProperty("amoeba.home", previousHome);
    }
  }

  @Test
  void theGuidedTourRunsToTheEnd() throws Exception {
    int port;
    try (DatagramChannel probe = DatagramChannel.open()) {
      probe.bind(new InetSocketAddress("127.0.0.1", 0));
      port = ((InetSocketAddress) probe.getLocalAddress()).getPort();
    }
    try (PeerProcess pool = new PeerProcess(List.of("emulate", "--boards", "4", "--demo", "--seconds", "1",
        "--group-port", Integer.toString(port)), 120_000)) {
      String placed = pool.awaitLine("hello from b", 120_000);
      assertNotNull(placed, "the run server placed hello");
      String moved = pool.awaitLine("calls answered", 120_000);
      assertNotNull(moved, "the migration step ran");
      assertTrue(moved.contains(" 0 failed, 0 out of sequence"), moved);
      assertNotNull(pool.awaitLine("== 4.", 120_000));
      String masked = pool.awaitLine("hello from b", 120_000); // output, not the command's echo
      assertNotNull(masked, "a program ran after the board died");
      assertTrue(masked.endsWith("after b4 died"), masked);
      String fan = pool.awaitLine("-> fan", 120_000);
      assertNotNull(fan, "the thermostat drove the fan");
      assertNotNull(pool.awaitLine("demo complete", 120_000));
      assertEquals(0, pool.awaitExit(60_000), "emulate --demo --seconds 1 ends by itself, successfully");
    }
  }
}
