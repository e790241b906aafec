package amoeba.drivers.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amoeba.drivers.hal.HalException;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The emulated peripherals' register maps and protocols. */
class PeripheralsTest {
  @Test
  void tmp102TemperatureIsLeftJustifiedTwelveBitsAndDriftsBoundedWithTheClock() {
    AtomicLong now = new AtomicLong();
    Tmp102 t = new Tmp102(now::get, new SplittableRandom(7), 22.5, 45.0);
    byte[] r = t.read(Tmp102.TEMPERATURE, 2);
    // 22.5 C = 360 counts of 0.0625 C, shifted left by 4: 0x1680
    assertEquals(0x16, r[0] & 0xFF);
    assertEquals(0x80, r[1] & 0xFF);
    assertEquals(22.5, t.celsius(), 1e-9, "no time passed: no drift");
    byte[] h = t.read(Tmp102.HUMIDITY, 2);
    assertEquals(4500, ((h[0] & 0xFF) << 8) | (h[1] & 0xFF));
    double before = t.celsius();
    now.addAndGet(600_000_000_000L); // ten minutes: 600 steps
    double after = t.celsius();
    assertNotEquals(before, after, "it drifts");
    assertTrue(after >= 15 && after <= 35 && Math.abs(after - before) <= 600 * 0.05 + 1e-9, "plausible: " + after);
  }

  @Test
  void tmp102ConfigIsWritableAndUnknownRegistersAreErrors() {
    Tmp102 t = new Tmp102(() -> 0, new SplittableRandom(1), 20, 50);
    assertEquals(0x60, t.read(Tmp102.CONFIG, 2)[0] & 0xFF);
    t.write(Tmp102.CONFIG, new byte[] {0x61, 0x00});
    assertEquals(0x61, t.read(Tmp102.CONFIG, 2)[0] & 0xFF);
    assertThrows(HalException.class, () -> t.read(0x42, 2));
    assertThrows(HalException.class, () -> t.write(Tmp102.TEMPERATURE, new byte[] {0, 0}));
  }

  @Test
  void mcp3008AnswersTheDataSheetExchange() {
    Mcp3008 adc = new Mcp3008();
    adc.set(3, 0x2AB);
    byte[] in = adc.transfer(new byte[] {0x01, (byte) (0x80 | (3 << 4)), 0x00});
    assertEquals(0x2AB, ((in[1] & 0x03) << 8) | (in[2] & 0xFF));
    assertEquals(0, adc.transfer(new byte[] {0x00, (byte) 0x80, 0x00})[2], "no start bit, no answer");
    assertThrows(HalException.class, () -> adc.set(8, 1));
    assertThrows(HalException.class, () -> adc.set(0, 1024));
  }
}
