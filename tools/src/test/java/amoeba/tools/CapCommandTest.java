package amoeba.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amoeba.capabilities.Capability;
import amoeba.capabilities.CapabilityText;
import amoeba.capabilities.CheckScheme;
import amoeba.capabilities.Port;
import amoeba.capabilities.Rights;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class CapCommandTest {
  static final String GET = "0123456789ab";

  record Result(int status, String out, String err) {}

  static Result amoeba(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int status = Amoeba.run(args, new PrintWriter(out), new PrintWriter(err));
    return new Result(status, out.toString(), err.toString());
  }

  @Test
  void newPortPrintsGetThenPut() {
    Result r = amoeba("cap", "new-port");
    assertEquals(0, r.status(), r.err());
    Matcher m = Pattern.compile("get-port ([0-9a-f]{12})\nput-port ([0-9a-f]{12})\n").matcher(r.out());
    assertTrue(m.matches(), r.out());
    assertEquals(Port.parse(m.group(1)).putPort(), Port.parse(m.group(2)));
  }

  @Test
  void newPortJson() {
    Result r = amoeba("cap", "new-port", "--json");
    assertEquals(0, r.status(), r.err());
    assertTrue(
        r.out().matches("\\{\"get_port\": \"[0-9a-f]{12}\", \"put_port\": \"[0-9a-f]{12}\"}\n"),
        r.out());
  }

  @Test
  void newMakesTheSameOwnerCapabilityFromTheSameGetPort() {
    Result a = amoeba("cap", "new", "--port", GET, "--object", "7");
    Result b = amoeba("cap", "new", "--port", GET, "--object", "0x7");
    assertEquals(0, a.status(), a.err());
    assertEquals(a.out(), b.out());
    Capability cap = CapabilityText.parse(a.out().strip());
    assertEquals(Port.parse(GET).putPort(), cap.port());
    assertEquals(7, cap.object());
    assertTrue(cap.isOwner());
    long expected = new CheckScheme(new Random(0)).bootstrapSecret(Port.parse(GET), 7);
    assertEquals(expected, cap.check());
    assertFalse(a.out().equals(amoeba("cap", "new", "--port", GET, "--object", "8").out()));
  }

  @Test
  void decodeShowsEveryField() {
    String text = amoeba("cap", "new", "--port", GET, "--object", "42").out().strip();
    Result r = amoeba("cap", "decode", text);
    assertEquals(0, r.status(), r.err());
    Capability cap = CapabilityText.parse(text);
    assertEquals(
        "port    " + cap.port() + "\n"
            + "object  42\n"
            + "rights  crmd456a 0xff\n"
            + "check   " + text.substring(24) + "\n"
            + "kind    owner\n",
        r.out());
  }

  @Test
  void decodeJsonOfARestrictedCapability() {
    String owner = amoeba("cap", "new", "--port", GET).out().strip();
    String read = amoeba("cap", "restrict", owner, "--rights", "-r------").out().strip();
    Result r = amoeba("cap", "decode", read, "--json");
    assertEquals(0, r.status(), r.err());
    Capability cap = CapabilityText.parse(read);
    assertEquals(
        "{\"port\": \"" + cap.port() + "\", \"object\": 0, \"rights\": \"-r------\","
            + " \"rights_hex\": \"0x02\", \"check\": \"" + read.substring(24)
            + "\", \"owner\": false}\n",
        r.out());
  }

  @Test
  void restrictAnOwnerCapabilityLocally() {
    String owner = amoeba("cap", "new", "--port", GET, "--object", "3").out().strip();
    Result r = amoeba("cap", "restrict", owner, "--rights", "0x0a");
    assertEquals(0, r.status(), r.err());
    Capability restricted = CapabilityText.parse(r.out().strip());
    Capability o = CapabilityText.parse(owner);
    assertEquals(Rights.READ | Rights.DELETE, restricted.rights());
    assertTrue(new CheckScheme(new Random(0)).validate(restricted, o.check()));
  }

  @Test
  void restrictingANonOwnerAsksTheServerAndNamesTheError() throws Exception {
    String owner = amoeba("cap", "new", "--port", GET).out().strip();
    String read = amoeba("cap", "restrict", owner, "--rights", "0x02").out().strip();
    int groupPort;
    try (java.nio.channels.DatagramChannel probe = java.nio.channels.DatagramChannel.open()) {
      probe.bind(new java.net.InetSocketAddress("127.0.0.1", 0));
      groupPort = ((java.net.InetSocketAddress) probe.getLocalAddress()).getPort();
    }
    // Nobody serves GET here: the server's STD_RESTRICT cannot be reached.
    Result r = amoeba("cap", "restrict", read, "--rights", "0x00", "--timeout-ms", "300",
        "--group-port", Integer.toString(groupPort));
    assertEquals(1, r.status());
    assertEquals("", r.out());
    assertEquals(1, r.err().lines().count(), r.err());
    assertTrue(r.err().startsWith("amoeba: STD_RESTRICT: NOTFOUND (-1)"), r.err());
  }

  @Test
  void malformedCapabilityIsAUsageError() {
    Result r = amoeba("cap", "decode", "cap:0123");
    assertEquals(2, r.status());
    String first = r.err().lines().findFirst().orElseThrow();
    assertTrue(first.contains("32 hex digits") && first.contains("got 4"), r.err());

    Result prefix = amoeba("cap", "decode", "kap:0123456789abcdef0123456789abcdef");
    assertEquals(2, prefix.status());
    assertTrue(prefix.err().contains("starts with 'cap:'"), prefix.err());

    Result character = amoeba("cap", "decode", "cap:0123456789abcdef0123456789abcdeZ");
    assertEquals(2, character.status());
    assertTrue(character.err().contains("'Z' at position 35"), character.err());
  }

  @Test
  void malformedMaskPortAndObjectAreUsageErrors() {
    String owner = amoeba("cap", "new", "--port", GET).out().strip();
    Result mask = amoeba("cap", "restrict", owner, "--rights", "0xzz");
    assertEquals(2, mask.status());
    assertTrue(mask.err().contains("'z' at position 2"), mask.err());
    assertEquals(2, amoeba("cap", "restrict", owner, "--rights", "rw").status());
    assertEquals(2, amoeba("cap", "new", "--port", "12345").status());
    Result object = amoeba("cap", "new", "--port", GET, "--object", "16777216");
    assertEquals(2, object.status());
    assertTrue(object.err().contains("24 bits"), object.err());
    assertEquals(2, amoeba("cap", "new", "--port", GET, "--object", "x").status());
    assertEquals(2, amoeba("cap", "new").status());
  }

  @Test
  void nullGetPortIsAFailure() {
    Result r = amoeba("cap", "new", "--port", "000000000000");
    assertEquals(1, r.status());
    assertTrue(r.err().contains("null port"), r.err());
  }
}
