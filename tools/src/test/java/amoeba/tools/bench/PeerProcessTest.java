package amoeba.tools.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amoeba.flip.wire.FlipAddress;
import amoeba.tools.Amoeba;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

class PeerProcessTest {
  @Test
  void aChildExitsOnceItsParentHasEnded() throws Exception {
    // A stand-in parent we can kill: the child is told this process is its parent.
    Process parent = new ProcessBuilder("sleep", "600").start();
    SecureRandom random = new SecureRandom();
    byte[] key = new byte[32];
    random.nextBytes(key);
    List<String> echo = List.of("flip", "echo", "--raw", "--address",
        FlipAddress.toString(FlipAddress.randomPrivate(random)),
        "--group-port", Integer.toString(20000 + random.nextInt(30000)),
        "--pool-key-hex", HexFormat.of().formatHex(key));
    try (PeerProcess child = PeerProcess.withoutProfile(
        List.of("-D" + Amoeba.PARENT_PID_PROPERTY + "=" + parent.pid()), echo, 20_000)) {
      assertTrue(child.isAlive(), "ready, so running");
      parent.destroyForcibly().waitFor();
      assertEquals(3, child.awaitExit(30_000), "the child's exit status once its parent is gone");
    } finally {
      parent.destroyForcibly();
    }
  }
}
