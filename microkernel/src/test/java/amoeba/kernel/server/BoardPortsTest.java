package amoeba.kernel.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import amoeba.capabilities.Capability;
import amoeba.capabilities.CapabilityException;
import amoeba.capabilities.CheckScheme;
import amoeba.capabilities.ErrorCode;
import amoeba.capabilities.ObjectTable;
import amoeba.capabilities.Port;
import amoeba.capabilities.Rights;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class BoardPortsTest {
  static final byte[] KEY = "sixteen bytes at least, our key".getBytes(StandardCharsets.US_ASCII);
  static final byte[] OTHER = "sixteen bytes at least, another".getBytes(StandardCharsets.US_ASCII);

  @Test
  void portsAreDeterministicAndDifferPerServiceBoardAndKey() {
    Port p = BoardPorts.getPort(KEY, BoardPorts.PROCESS, "b1");
    assertEquals(p, BoardPorts.getPort(KEY.clone(), BoardPorts.PROCESS, "b1"));
    assertNotEquals(p, BoardPorts.getPort(KEY, BoardPorts.SYS, "b1"));
    assertNotEquals(p, BoardPorts.getPort(KEY, BoardPorts.PROCESS, "b2"));
    assertNotEquals(p, BoardPorts.getPort(OTHER, BoardPorts.PROCESS, "b1"));
    assertEquals(p.putPort(), BoardPorts.putPort(KEY, BoardPorts.PROCESS, "b1"));
    assertNotEquals(p, p.putPort(), "clients see only the put-port");
  }

  @Test
  void theDerivedOwnerCapabilityIsTheOneTheServerInstalls() throws CapabilityException {
    Port get = BoardPorts.getPort(KEY, BoardPorts.SYS, "b7");
    ObjectTable<String> table = new ObjectTable<>(get.putPort(), new CheckScheme(new SplittableRandom(1)));
    Capability installed = table.install(0, "root", BoardPorts.rootSecret(get));
    Capability derived = BoardPorts.owner(KEY, BoardPorts.SYS, "b7");
    assertEquals(installed, derived);
    assertEquals("root", table.lookup(derived, Rights.ALL));
    Capability other = BoardPorts.owner(OTHER, BoardPorts.SYS, "b7");
    assertEquals(ErrorCode.CAPBAD, table.status(
        new Capability(derived.port(), 0, Rights.ALL, other.check()), Rights.NONE));
    CapabilityException taken = assertThrows(CapabilityException.class, () -> table.install(0, "again", 5));
    assertEquals(ErrorCode.EXISTS, taken.code());
    assertEquals(1, table.allocate("next").object(), "allocate skips the installed number");
  }
}
