package amoeba.boards;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amoeba.drivers.DeviceSpec;
import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Arbitrary text as a board's bring-up configuration (the file a user writes for each board),
 * for every board model: it is a configuration whose device names are unique and that parses
 * the same again, or a {@link BringUp.BringUpException} naming a line of the text; never another
 * exception. Half of the inputs are lines assembled from the format's own words, so the checks
 * past the syntax are reached. Under plain {@code mvn verify} Jazzer runs the committed inputs
 * in {@code BringUpFuzzTestInputs/parse/}; with {@code JAZZER_FUZZ=1} it fuzzes.
 */
class BringUpFuzzTest {
  static final List<String> TARGETS = List.of("gpio17", "gpio27", "gpio18", "gpio2", "gpio99", "gpio-1",
      "i2c1", "i2c1 0x48", "i2c1 0x1FF", "i2c7", "spi0.0", "spi0.1", "spi0.9", "spi1.2", "server", "#", "");
  static final List<String> WORDS = List.of("out", "in", "pwm", "i2c", "spi", "tmp102", "mcp3008", "led",
      "button", "fan", "safe=1", "safe=2", "pull=up", "pull=sideways", "debounce=5ms", "debounce=500us",
      "debounce=-1ms", "debounce=99999999999ms", "dir", "b1", "=", "0x", "");

  @FuzzTest(maxDuration = "2m")
  void parse(FuzzedDataProvider data) {
    BoardDefinition board = Boards.all().get(data.consumeInt(0, Boards.all().size() - 1));
    String text = data.consumeBoolean() ? assembled(data) : data.consumeRemainingAsAsciiString();
    int lines = text.split("\n", -1).length;
    BringUp bringUp;
    try {
      bringUp = BringUp.parse(text, board);
    } catch (BringUp.BringUpException e) {
      String message = e.getMessage();
      assertTrue(message.matches("(?s)line \\d+: .+"), message);
      int line = Integer.parseInt(message.substring(5, message.indexOf(':')));
      assertTrue(line >= 1 && line <= lines, "line " + line + " of " + lines);
      return;
    }
    Set<String> names = new HashSet<>();
    for (DeviceSpec d : bringUp.devices()) {
      assertTrue(names.add(d.name()), "device name twice: " + d.name());
    }
    assertEquals(bringUp, BringUp.parse(text, board), "parsing is deterministic");
  }

  /** Up to 8 lines "TARGET = WORD WORD..." from the format's words and some fuzzed ones. */
  static String assembled(FuzzedDataProvider data) {
    StringBuilder text = new StringBuilder();
    int lines = data.consumeInt(1, 8);
    for (int i = 0; i < lines; i++) {
      text.append(TARGETS.get(data.consumeInt(0, TARGETS.size() - 1))).append(" = ");
      int words = data.consumeInt(0, 4);
      for (int w = 0; w < words; w++) {
        text.append(data.consumeBoolean() ? WORDS.get(data.consumeInt(0, WORDS.size() - 1))
            : data.consumeAsciiString(12)).append(' ');
      }
      text.append('\n');
    }
    return text.toString();
  }
}
