package amoeba.drivers.pi4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amoeba.drivers.hal.DigitalIn;
import amoeba.drivers.hal.DigitalOut;
import amoeba.drivers.hal.HalException;
import amoeba.drivers.hal.I2cDevice;
import amoeba.drivers.hal.Pull;
import amoeba.drivers.hal.PwmOut;
import com.pi4j.io.gpio.digital.DigitalState;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The Pi4J-backed HAL against Pi4J's own mock providers: the real code path without a Pi. */
class Pi4jHalTest {
  final AtomicLong now = new AtomicLong();
  final Pi4jHal hal = Pi4jHal.mock(now::get);

  @AfterEach
  void close() {
    hal.close();
  }

  @Test
  void anOutputStartsAtItsInitialLevelAndFollowsWrites() {
    DigitalOut out = hal.digitalOut(17, false);
    assertFalse(out.isHigh());
    out.write(true);
    assertTrue(out.isHigh());
    out.write(false);
    assertFalse(out.isHigh());
  }

  @Test
  void aPinOpenedTwiceIsAClearError() {
    hal.digitalOut(17, false);
    HalException e = assertThrows(HalException.class, () -> hal.digitalIn(17, Pull.UP, 0));
    assertTrue(e.getMessage().contains("gpio17"), e.getMessage());
  }

  @Test
  void anInputReportsEdgesOnlyOnChangeAndDebounces() {
    DigitalIn in = hal.digitalIn(27, Pull.DOWN, 5_000); // 5 ms
    List<Boolean> edges = new ArrayList<>();
    in.watch(edges::add);
    hal.mockInput(27).mockState(DigitalState.HIGH);
    assertTrue(in.isHigh());
    now.addAndGet(1_000_000); // 1 ms later: a bounce, dropped
    hal.mockInput(27).mockState(DigitalState.LOW);
    now.addAndGet(10_000_000); // 11 ms after the first edge: accepted
    hal.mockInput(27).mockState(DigitalState.HIGH);
    hal.mockInput(27).mockState(DigitalState.HIGH); // no change: Pi4J fires nothing
    now.addAndGet(10_000_000);
    hal.mockInput(27).mockState(DigitalState.LOW);
    // first HIGH, the bounce to LOW dropped, then the level is HIGH again (no edge: unchanged
    // from the last accepted), then LOW
    assertEquals(List.of(true, false), edges);
  }

  @Test
  void pwmSetsFrequencyAndDutyAndZeroIsOff() {
    PwmOut pwm = hal.pwm(18, 0);
    pwm.set(25_000, 5_000);
    assertEquals(25_000, pwm.frequencyHz());
    assertEquals(5_000, pwm.dutyCentiPercent());
    pwm.set(25_000, 0);
    assertEquals(0, pwm.dutyCentiPercent());
  }

  @Test
  void i2cRegistersWrittenThroughTheMockReadBack() {
    I2cDevice dev = hal.i2c(1, 0x48);
    dev.writeRegister(0x01, new byte[] {0x60, (byte) 0xA0});
    assertArrayEquals(new byte[] {0x60, (byte) 0xA0}, dev.readRegister(0x01, 2));
  }
}
