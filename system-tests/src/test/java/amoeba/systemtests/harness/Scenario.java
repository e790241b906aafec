package amoeba.systemtests.harness;

import java.util.Locale;

/**
 * The summary row every scenario prints: what ran, how much, which faults, how many promises
 * were broken (must be 0), and the seed that replays it. Rows go to stdout and to
 * system-tests/target/scenarios.txt.
 */
public final class Scenario {
  private final String name;
  private final long seed;
  private long operations;
  private final StringBuilder faults = new StringBuilder();
  private long violations;

  public Scenario(String name, long seed) {
    this.name = name;
    this.seed = seed;
  }

  /** The scale of this run: 1 in the default build, 10 with -Psystem. */
  public static int scale() {
    return Integer.getInteger("amoeba.system.scale", 1);
  }

  public Scenario operations(long n) {
    operations += n;
    return this;
  }

  public Scenario fault(String what) {
    faults.append(faults.length() == 0 ? "" : ",").append(what);
    return this;
  }

  public Scenario violation(long n) {
    violations += n;
    return this;
  }

  public long violations() {
    return violations;
  }

  public String row() {
    return String.format(Locale.ROOT, "scenario=%s operations=%d faults=%s violations=%d seed=%d",
        name, operations, faults.length() == 0 ? "none" : faults, violations, seed);
  }

  /** Prints and records the row. */
  public void report() {
    String row = row();
    System.out.println(row);
    try {
      java.nio.file.Path out = java.nio.file.Path.of("target", "scenarios.txt");
      java.nio.file.Files.createDirectories(out.getParent());
      java.nio.file.Files.writeString(out, row + System.lineSeparator(),
          java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
    } catch (java.io.IOException e) {
      System.err.println("cannot record the scenario row: " + e.getMessage());
    }
  }
}
