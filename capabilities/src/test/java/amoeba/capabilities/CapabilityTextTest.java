package amoeba.capabilities;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amoeba.capabilities.CapabilityFormatException.Reason;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

class CapabilityTextTest {
  @Test
  void sampleReadsLikeTheDiagram() {
    String text = CapabilityText.format(CapabilityTest.SAMPLE);
    assertEquals("cap:" + CapabilityTest.SAMPLE_BYTES, text);
    assertEquals(CapabilityTest.SAMPLE.port().toString(), text.substring(4, 16));
    assertEquals(CapabilityTest.SAMPLE, CapabilityText.parse(text));
  }

  @Property
  void textRoundTrips(@ForAll("capabilities") Capability cap) {
    String text = CapabilityText.format(cap);
    assertEquals(CapabilityText.LENGTH, text.length());
    assertEquals(cap, CapabilityText.parse(text));
    assertEquals(text, CapabilityText.format(CapabilityText.parse(text)));
  }

  @Property
  void listsRoundTrip(@ForAll("capabilities") Capability a, @ForAll("capabilities") Capability b) {
    String text = CapabilityText.formatList(java.util.List.of(a, b));
    assertEquals(java.util.List.of(a, b), CapabilityText.parseList(text));
    assertEquals(java.util.List.of(a, b), CapabilityText.parseList(text.replace(",", " , ")));
    assertEquals(java.util.List.of(a), CapabilityText.parseList(CapabilityText.format(a)));
    assertThrows(CapabilityFormatException.class, () -> CapabilityText.parseList(text + ","));
  }

  @Provide
  Arbitrary<Capability> capabilities() {
    return CapabilityTest.capabilities();
  }

  @Test
  void wrongPrefixIsNamed() {
    var e = parseFails("kap:" + CapabilityTest.SAMPLE_BYTES);
    assertEquals(Reason.PREFIX, e.reason());
    assertTrue(e.getMessage().contains("'kap:'"), e.getMessage());
    assertEquals(Reason.PREFIX, parseFails("").reason());
    assertEquals(Reason.PREFIX, parseFails("ca").reason());
    assertEquals(Reason.PREFIX, parseFails("CAP:" + CapabilityTest.SAMPLE_BYTES).reason());
  }

  @Test
  void wrongLengthIsNamed() {
    var shortBy1 = parseFails("cap:" + CapabilityTest.SAMPLE_BYTES.substring(1));
    assertEquals(Reason.LENGTH, shortBy1.reason());
    assertTrue(shortBy1.getMessage().contains("got 31"), shortBy1.getMessage());
    assertEquals(Reason.LENGTH, parseFails("cap:").reason());
    assertEquals(Reason.LENGTH, parseFails("cap:" + CapabilityTest.SAMPLE_BYTES + "0").reason());
  }

  @Test
  void badCharacterIsNamedWithItsPosition() {
    char[] chars = ("cap:" + CapabilityTest.SAMPLE_BYTES).toCharArray();
    chars[17] = 'g';
    var e = parseFails(new String(chars));
    assertEquals(Reason.CHARACTER, e.reason());
    assertEquals(17, e.position());
    assertTrue(e.getMessage().contains("'g' at position 17"), e.getMessage());
    chars[17] = 'A'; // uppercase: one spelling per capability
    assertEquals(17, parseFails(new String(chars)).position());
    chars[17] = '\n';
    assertTrue(parseFails(new String(chars)).getMessage().contains("U+000A"));
  }

  private static CapabilityFormatException parseFails(String text) {
    return assertThrows(CapabilityFormatException.class, () -> CapabilityText.parse(text));
  }
}
