package amoeba.capabilities;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.ByteBuffer;

/**
 * Every decoder of untrusted input, fed arbitrary data: only {@link CapabilityFormatException}
 * may escape, and whatever decodes re-encodes to the same thing. A plain {@code mvn verify}
 * runs it in regression mode over the inputs in
 * {@code src/test/resources/amoeba/capabilities/DecoderFuzzTestInputs/decoders/}; with
 * JAZZER_FUZZ=1 it fuzzes.
 */
class DecoderFuzzTest {
  @FuzzTest(maxDuration = "30s")
  void decoders(FuzzedDataProvider data) {
    int which = data.consumeInt(0, 4);
    int offset = data.consumeInt(-4, 40);
    String text = data.consumeString(64);
    byte[] bytes = data.consumeRemainingAsBytes();
    try {
      switch (which) {
        case 0 -> {
          Capability cap = CapabilityText.parse(text);
          assertEquals(text, CapabilityText.format(cap));
        }
        case 1 -> {
          Capability cap = Capability.fromBytes(bytes);
          assertArrayEquals(bytes, cap.toBytes());
        }
        case 2 -> {
          Capability cap = Capability.read(ByteBuffer.wrap(bytes), offset);
          assertEquals(cap, Capability.fromBytes(cap.toBytes()));
        }
        case 3 -> assertEquals(text, Port.parse(text).toString());
        default -> assertNotNull(Rights.toLetters(Rights.parse(text)));
      }
    } catch (CapabilityFormatException expected) {
      assertNotNull(expected.reason());
    }
  }
}
