package amoeba.boards;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amoeba.drivers.DeviceServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The board definitions are consistent data; detection; the composed program registry. */
class BoardsTest {
  @TempDir Path dir;

  @Test
  void everyBoardWeShipIsDefined() {
    assertEquals(Boards.IDS, Boards.all().stream().map(BoardDefinition::id).toList());
  }

  @Test
  void everyHeaderHasFortyPinsAndUniqueBcmNumbers() {
    for (BoardDefinition b : Boards.all()) {
      assertEquals(40, b.header().size(), b.id());
      assertEquals(IntStream.rangeClosed(1, 40).boxed().toList(),
          b.header().stream().map(BoardDefinition.HeaderPin::physical).toList(), b.id() + ": pins 1..40 in order");
      List<Integer> bcm = b.header().stream().map(BoardDefinition.HeaderPin::bcm).filter(n -> n >= 0).toList();
      assertEquals(bcm.size(), new HashSet<>(bcm).size(), b.id() + ": BCM numbers unique");
      assertEquals(IntStream.rangeClosed(0, 27).boxed().collect(java.util.stream.Collectors.toSet()), Set.copyOf(bcm),
          b.id() + ": GPIO 0..27 on the header");
    }
  }

  @Test
  void busesAreConsistentWithTheHeader() {
    for (BoardDefinition b : Boards.all()) {
      assertTrue(b.buses().containsKey("i2c1") && b.buses().containsKey("spi0"), b.id());
      for (BoardDefinition.Bus bus : b.buses().values()) {
        assertEquals(bus.pins().size(), new HashSet<>(bus.pins()).size(), b.id() + " " + bus.name() + ": distinct pins");
        bus.pins().forEach(p -> assertTrue(b.gpio(p).isPresent(), b.id() + " " + bus.name() + ": gpio" + p));
        assertTrue(bus.kind().equals("i2c") ? bus.pins().size() == 2 : bus.pins().size() >= 4, bus.name());
      }
      // the standard buses sit where the header says
      assertTrue(b.gpio(2).orElseThrow().functions().contains("I2C1 SDA"));
      assertEquals(List.of(2, 3), b.buses().get("i2c1").pins());
      assertTrue(b.gpio(8).orElseThrow().functions().contains("SPI0 CE0"));
      assertEquals(8, b.buses().get("spi0").pins().get(3));
      b.pwmChannels().forEach((pin, ch) -> {
        assertTrue(b.gpio(pin).orElseThrow().functions().contains("PWM"), b.id() + " gpio" + pin);
        assertTrue(ch >= 0 && ch <= 3);
      });
    }
  }

  @Test
  void jvmFlagsFitTheRamAndTheA53BoardsGetTheirWorkaround() {
    BoardDefinition zero = Boards.require("zero2w");
    assertEquals("-Xmx128m", zero.jvmFlags(512).get(0));
    assertTrue(zero.jvmFlags(512).contains("-XX:-UseCRC32CIntrinsics"));
    assertTrue(Boards.require("pi3bp").jvmFlags(1024).contains("-XX:-UseCRC32CIntrinsics"));
    assertTrue(!Boards.require("pi5").jvmFlags(8192).contains("-XX:-UseCRC32CIntrinsics"));
    assertEquals("-Xmx2048m", Boards.require("pi5").jvmFlags(16384).get(0), "capped at 2 GiB");
  }

  @Test
  void detectionReadsTheDeviceTreeModelAndCanBeOverridden() throws Exception {
    Path model = dir.resolve("model");
    Files.writeString(model, "Raspberry Pi 4 Model B Rev 1.4\0");
    assertEquals("pi4b", Boards.detect(model, null).board().id());
    Files.writeString(model, "Raspberry Pi 5 Model B Rev 1.0\0");
    assertEquals("pi5", Boards.detect(model, null).board().id());
    Files.writeString(model, "Raspberry Pi Zero 2 W Rev 1.0\0");
    assertEquals("zero2w", Boards.detect(model, null).board().id());
    Files.writeString(model, "Raspberry Pi 3 Model B Plus Rev 1.3\0");
    assertEquals("pi3bp", Boards.detect(model, null).board().id());
    Files.writeString(model, "Raspberry Pi Compute Module 4 Rev 1.1\0");
    assertEquals("cm4", Boards.detect(model, null).board().id());
    assertEquals("emulated", Boards.detect(dir.resolve("absent"), null).board().id());
    Boards.Detection d = Boards.detect(model, "pi5");
    assertEquals("pi5", d.board().id());
    assertTrue(d.how().startsWith("overridden"));
  }

  @Test
  void theBoardRegistryAddsTheDeviceServerToTheServers() {
    assertTrue(BoardPrograms.builtins().containsKey(DeviceServer.SERVICE));
    assertTrue(BoardPrograms.builtins().keySet().containsAll(amoeba.servers.SystemPrograms.builtins().keySet()));
    assertTrue(BoardPrograms.forBoards().builtins().get("devices").get() instanceof DevicesProgram);
  }
}
