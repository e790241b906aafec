package amoeba.systemtests.harness;

import java.util.Locale;

/**
 * The summary row every scenario prints: what ran, how much, which faults, how many promises
 * were broken (must be 0), the seed that replays it, and figures measured on the way (reported,
 * never asserted). Rows go to stdout and to system-tests/target/scenarios.txt.
 */
public final class Scenario {
  private final String name;
  private final long seed;
  private long operations;
  private final StringBuilder faults = new StringBuilder();
  private final StringBuilder figures = new StringBuilder();
  private long violations;
  private String failure;

  /** A scenario body; it may throw anything (assertions, I/O). */
  @FunctionalInterface
  public interface Body {
    void run() throws Exception;
  }

  public Scenario(String name, long seed) {
    this.name = name;
    this.seed = seed;
  }

  /**
   * A fresh random seed, or {@code -Damoeba.system.seed} to replay a row (the key, the delay
   * programs' hold times and the schedule follow from it; the kernel's random loss does not).
   */
  public static long freshSeed() {
    Long replay = Long.getLong("amoeba.system.seed");
    return replay != null ? replay : new java.util.SplittableRandom().nextLong();
  }

  /** The scale of this run: 1 in the default build, 10 with -Psystem. */
  /** A 32-byte pool key drawn from the scenario's random, as hex (the boards' --pool-key-hex). */
  public static String poolKeyHex(java.util.SplittableRandom random) {
    byte[] key = new byte[32];
    random.nextBytes(key);
    return java.util.HexFormat.of().formatHex(key);
  }

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

  /** A measured figure, e.g. {@code figure("restart_ms", 2300)}: reported at the row's end. */
  public Scenario figure(String name, long value) {
    figures.append(figures.length() == 0 ? "" : ",").append(name).append('=').append(value);
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
    return String.format(Locale.ROOT, "scenario=%s operations=%d faults=%s violations=%d seed=%d%s%s",
        name, operations, faults.length() == 0 ? "none" : faults, violations, seed,
        figures.length() == 0 ? "" : " figures=" + figures,
        failure == null ? "" : " failed=\"" + failure + "\"");
  }

  /**
   * Runs {@code body} and reports the row whether it passes or fails; a failure, or a violation
   * the body counted without asserting, fails with the row, so the seed is in the message. A
   * skip (a failed assumption) reports nothing.
   */
  public void run(Body body) {
    try {
      body.run();
    } catch (org.opentest4j.TestAbortedException skipped) {
      throw skipped;
    } catch (Throwable t) {
      String message = String.valueOf(t.getMessage()).lines().findFirst().orElse("");
      failure = (t.getClass().getSimpleName() + ": " + message).replace('"', '\'');
      if (failure.length() > 200) {
        failure = failure.substring(0, 200) + "...";
      }
      report();
      throw new AssertionError(row(), t);
    }
    report();
    if (violations > 0) {
      throw new AssertionError(row());
    }
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
