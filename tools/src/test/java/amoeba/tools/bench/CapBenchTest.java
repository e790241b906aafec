package amoeba.tools.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amoeba.tools.Amoeba;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

class CapBenchTest {
  @Test
  void jsonHasEveryRowWithAPositiveRate() {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int status =
        Amoeba.run(new String[] {"bench", "cap", "--json", "--iterations", "1"},
            new PrintWriter(out), new PrintWriter(err));
    assertEquals(0, status, err.toString());
    String json = out.toString().strip();
    assertTrue(json.startsWith("{\"bench\": \"cap\", \"rows\": ["), json);
    for (String row : new String[] {"hmac-sha256", "validate", "validate-cold", "validate-owner", "restrict"}) {
      assertTrue(json.matches(".*\\{\"name\": \"" + row + "\", \"ops_per_s\": [1-9][0-9]*}.*"),
          row + " missing in " + json);
    }
  }

  @Test
  void measureReportsTheRateOfTheLoop() throws Exception {
    // A loop of known cost would need a clock; instead check the rate is finite and positive
    // and that the work reached the sink.
    long before = CapBench.sink;
    double rate = CapBench.measure(1, i -> i + 1L);
    assertTrue(rate > 0 && Double.isFinite(rate), "rate " + rate);
    assertTrue(CapBench.sink != before);
  }

  @Test
  void zeroIterationsIsAUsageError() {
    StringWriter err = new StringWriter();
    int status = Amoeba.run(new String[] {"bench", "cap", "--iterations", "0"},
        new PrintWriter(new StringWriter()), new PrintWriter(err));
    assertEquals(2, status, err.toString());
  }
}
