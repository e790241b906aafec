package amoeba.boards;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import amoeba.drivers.DeviceSpec;
import amoeba.drivers.hal.Pull;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Bring-up configurations: what they expose, and errors that name the line. */
class BringUpTest {
  static final BoardDefinition PI4 = Boards.require("pi4b");

  static String error(String config, BoardDefinition board) {
    return assertThrows(BringUp.BringUpException.class, () -> BringUp.parse(config, board)).getMessage();
  }

  @Test
  void theEmulatedDefaultExposesOneDeviceOfEachKind() {
    BringUp b = BringUp.emulatedDefault();
    assertEquals(List.of("led", "button", "fan", "i2c1", "temp", "adc"), b.devices().stream().map(DeviceSpec::name).toList());
    DeviceSpec button = b.devices().get(1);
    assertEquals(Pull.UP, button.pull());
    assertEquals(5_000, button.debounceMicros());
    assertEquals(0, b.devices().get(2).address(), "gpio18 is PWM channel 0");
    assertEquals(0x48, b.devices().get(4).address());
  }

  @Test
  void aFullConfigurationWithServers() {
    BringUp b = BringUp.parse("""
        # lights
        gpio17 = out led safe=1
        gpio27 = in button pull=down debounce=500us
        gpio19 = pwm fan
        i2c1 0x48 = tmp102
        i2c1 0x49 = tmp102 outside
        spi0.1 = spi raw
        server = dir b1 b2 b3
        """, PI4);
    assertEquals(6, b.devices().size());
    assertEquals(true, b.devices().get(0).safeHigh());
    assertEquals(500, b.devices().get(1).debounceMicros());
    assertEquals(1, b.devices().get(2).address(), "gpio19 is PWM channel 1");
    assertEquals("tmp102", b.devices().get(3).name());
    assertEquals(List.of(List.of("dir", "b1", "b2", "b3")), b.servers());
    assertEquals(3, BringUp.parse("gpio19 = pwm fan", Boards.require("pi5")).devices().get(0).address(),
        "on the Pi 5 gpio19 is RP1 PWM0 channel 3");
  }

  @Test
  void anUnknownPinIsAnErrorNamingTheLine() {
    assertEquals("line 2: the pi4b has no gpio41 on its header (GPIOs: 0..27)",
        error("gpio17 = out led\ngpio41 = out lamp\n", PI4));
    assertEquals("line 1: the zero2w has no i2c3 (it has: i2c0, i2c1, spi0, spi1)",
        error("i2c3 0x48 = tmp102", Boards.require("zero2w")));
    assertEquals("line 1: gpio17 has no PWM on the pi4b (PWM pins: [12, 13, 18, 19])", error("gpio17 = pwm fan", PI4));
    assertEquals("line 1: spi0 of the pi4b has chip selects 0..1", error("spi0.2 = mcp3008", PI4));
  }

  @Test
  void aPinUsedTwiceIsAnErrorNamingBothLines() {
    assertEquals("line 3: gpio17 is used twice: line 1 (gpio17 = out led) has it already",
        error("gpio17 = out led\n\ngpio17 = in button\n", PI4));
    assertEquals("line 2: gpio2 is used twice: line 1 (i2c1 0x48 = tmp102) has it already",
        error("i2c1 0x48 = tmp102\ngpio2 = out led\n", PI4));
    assertEquals("line 2: i2c1 needs gpio3, used by line 1 (gpio3 = in button)",
        error("gpio3 = in button\ni2c1 = i2c\n", PI4));
    assertEquals("line 2: gpio8 is used twice: line 1 (spi0.0 = mcp3008) has it already",
        error("spi0.0 = mcp3008\ngpio8 = out cs\n", PI4));
    assertEquals("line 2: i2c1 0x48 is used twice: line 1 has it already",
        error("i2c1 0x48 = tmp102\ni2c1 0x48 = tmp102 again\n", PI4));
  }

  @Test
  void otherMistakesNameTheLineToo() {
    assertEquals("line 2: a device named led exists already (line 1)", error("gpio17 = out led\ngpio22 = out led", PI4));
    assertEquals("line 1: pull is up, down or off, not 'sideways'", error("gpio27 = in b pull=sideways", PI4));
    assertEquals("line 1: expected TARGET = WHAT, got 'gpio17 out led'", error("gpio17 out led", PI4));
    assertEquals("line 1: a gpio device needs a name: 'gpio17 = out NAME'", error("gpio17 = out", PI4));
  }
}
