package amoeba.capabilities;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amoeba.capabilities.CapabilityFormatException.Reason;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RightsTest {
  @Test
  void everyMaskRoundTripsThroughLettersAndHex() {
    Set<String> letters = new HashSet<>();
    for (int r = 0; r <= 0xFF; r++) {
      String l = Rights.toLetters(r);
      assertEquals(8, l.length());
      assertTrue(letters.add(l), "two masks print as " + l);
      assertEquals(r, Rights.parse(l));
      assertEquals(r, Rights.parse(Rights.toHex(r)));
    }
  }

  @Test
  void formsArePinned() {
    assertEquals("crmd456a", Rights.toLetters(Rights.ALL));
    assertEquals("-r------", Rights.toLetters(Rights.READ));
    assertEquals("crmd---a", Rights.toLetters(0x8F));
    assertEquals("--------", Rights.toLetters(Rights.NONE));
    assertEquals("0x0f", Rights.toHex(0x0F));
    assertEquals(0x0F, Rights.parse("0xF"));
    assertEquals(0xAB, Rights.parse("0XaB"));
  }

  @Test
  void containsNeedsEveryBit() {
    assertTrue(Rights.contains(Rights.READ | Rights.MODIFY, Rights.READ));
    assertFalse(Rights.contains(Rights.READ, Rights.READ | Rights.MODIFY));
    assertTrue(Rights.contains(Rights.NONE, Rights.NONE));
  }

  @Test
  void malformedMasksAreTyped() {
    assertEquals(Reason.LENGTH, fails("0x").reason());
    assertEquals(Reason.LENGTH, fails("0x100").reason());
    assertEquals(Reason.LENGTH, fails("rw").reason());
    assertEquals(Reason.LENGTH, fails("").reason());
    var hex = fails("0xg1");
    assertEquals(Reason.CHARACTER, hex.reason());
    assertEquals(2, hex.position());
    var letter = fails("cr-x----");
    assertEquals(Reason.CHARACTER, letter.reason());
    assertEquals(3, letter.position());
    assertTrue(letter.getMessage().contains("expected 'd' or '-'"), letter.getMessage());
    assertThrows(IllegalArgumentException.class, () -> Rights.toLetters(256));
  }

  private static CapabilityFormatException fails(String text) {
    return assertThrows(CapabilityFormatException.class, () -> Rights.parse(text));
  }
}
