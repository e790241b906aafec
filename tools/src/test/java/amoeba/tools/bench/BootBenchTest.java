package amoeba.tools.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amoeba.tools.Amoeba;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

class BootBenchTest {
  @Test
  void oneBoardBootsAndTheRowHasTimeAndRss() {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int status = Amoeba.run(new String[] {"bench", "boot", "--json", "--count", "1", "--xmx", "48m"},
        new PrintWriter(out), new PrintWriter(err));
    assertEquals(0, status, err.toString());
    String json = out.toString().strip();
    assertTrue(json.matches("\\{\"bench\": \"boot\", \"rows\": \\[\\{\"name\": \"boot\", \"p50_us\": [1-9][0-9.]*, "
        + "\"max_us\": [1-9][0-9.]*, \"rss_mb\": [1-9][0-9.]*}]}"), json);
  }
}
