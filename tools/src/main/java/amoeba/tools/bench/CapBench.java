package amoeba.tools.bench;

import amoeba.capabilities.Capability;
import amoeba.capabilities.CheckScheme;
import amoeba.capabilities.NeedsServerException;
import amoeba.capabilities.ObjectTable;
import amoeba.capabilities.Port;
import amoeba.capabilities.Rights;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.concurrent.Callable;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code amoeba bench cap}: single-thread throughput of the check scheme beside raw HMAC-SHA256.
 *
 * <p>Rows (all ops/s on one thread):
 *
 * <ul>
 *   <li>{@code hmac-sha256}: the baseline, one HMAC of one byte with an already keyed Mac.
 *   <li>{@code validate}: ObjectTable.status of restricted capabilities it has seen before (the
 *       server's steady state: clients present the same capability again; the table memoizes
 *       the last restricted check per object).
 *   <li>{@code validate-cold}: CheckScheme.validate of a restricted capability, re-keying and
 *       computing the HMAC every time (a capability the server has not seen).
 *   <li>{@code validate-owner}: ObjectTable.status of owner capabilities (a compare, no HMAC).
 *   <li>{@code restrict}: local restriction of an owner capability (one HMAC).
 * </ul>
 *
 * <p>Method: a hand-written timed loop, not JMH. Each row first doubles its batch until one
 * takes >= 50 ms (this is also the warm-up, so the JIT has compiled the loop), then times
 * {@code --iterations} batches and reports the median. Every result feeds a sink that is
 * published at the end, so the JIT cannot drop the work. 1024 objects rotate so the loop does
 * not validate one value from cache lines alone.
 */
@Command(name = "cap", description = "Capability validation and restriction beside raw HMAC-SHA256.")
public final class CapBench implements Callable<Integer> {
  /** The target for validation on one thread. */
  static final double TARGET_VALIDATE_PER_S = 2_000_000;

  private static final int OBJECTS = 1024;
  private static final long MIN_BATCH_NS = 50_000_000;

  @Option(names = "--json", description = "One JSON object instead of a table.")
  boolean json;

  @Option(
      names = "--iterations",
      defaultValue = "7",
      description = "Timed batches per row; the median is reported (default: ${DEFAULT-VALUE}).")
  int iterations;

  @Spec CommandSpec spec;

  /** Published so the work of every loop is observable. */
  static volatile long sink;

  /** One operation of a row; returns something derived from its result. */
  @FunctionalInterface
  interface Op {
    long run(int i) throws Exception;
  }

  @Override
  public Integer call() throws Exception {
    if (iterations < 1) {
      throw new picocli.CommandLine.ParameterException(
          spec.commandLine(), "--iterations must be at least 1");
    }
    BenchReport report = run(iterations);
    report.print(spec.commandLine().getOut(), json);
    return 0;
  }

  /** Runs every row; public so tests and other tools can call it. */
  public static BenchReport run(int iterations) throws Exception {
    SecureRandom random = new SecureRandom();
    CheckScheme scheme = new CheckScheme(random);
    ObjectTable<Integer> table = new ObjectTable<>(Port.random(random).putPort(), scheme);
    Capability[] owners = new Capability[OBJECTS];
    Capability[] readers = new Capability[OBJECTS];
    for (int i = 0; i < OBJECTS; i++) {
      owners[i] = table.allocate(i);
      readers[i] = table.restrict(owners[i], Rights.READ | Rights.MODIFY);
    }
    // validate-cold needs the secrets; an owner capability's check is its secret.
    long[] secrets = new long[OBJECTS];
    for (int i = 0; i < OBJECTS; i++) {
      secrets[i] = owners[i].check();
    }
    Mac mac = keyedMac(random);
    int mask = OBJECTS - 1;

    BenchReport report = new BenchReport("cap");
    report.row("hmac-sha256")
        .put("ops_per_s", measure(iterations, i -> {
          mac.update((byte) i);
          return mac.doFinal()[31];
        }));
    report.row("validate")
        .put("ops_per_s", measure(iterations,
            i -> table.status(readers[i & mask], Rights.READ).code()));
    report.row("validate-cold")
        .put("ops_per_s", measure(iterations, i -> {
          int k = i & mask;
          return scheme.validate(readers[k], secrets[k]) ? 1 : 0;
        }));
    report.row("validate-owner")
        .put("ops_per_s", measure(iterations,
            i -> table.status(owners[i & mask], Rights.ALL).code()));
    report.row("restrict")
        .put("ops_per_s", measure(iterations, i -> restrict(scheme, owners[i & mask], i)));

    double hmac = report.get("hmac-sha256").get("ops_per_s");
    double validate = report.get("validate").get("ops_per_s");
    report.note("validate: %.0f/s, target >= %.0f/s: %s", validate, TARGET_VALIDATE_PER_S,
        validate >= TARGET_VALIDATE_PER_S ? "met" : "NOT met");
    report.note("validate-cold / hmac-sha256 = %.2f, restrict / hmac-sha256 = %.2f",
        report.get("validate-cold").get("ops_per_s") / hmac,
        report.get("restrict").get("ops_per_s") / hmac);
    report.note("median of %d batches per row, one thread", iterations);
    return report;
  }

  private static long restrict(CheckScheme scheme, Capability owner, int i)
      throws NeedsServerException {
    // Masks 0x00..0x7F: never ALL, so every call computes an HMAC.
    return scheme.restrict(owner, i & 0x7F).check();
  }

  /** Median ops/s over {@code iterations} batches, after a doubling warm-up. */
  static double measure(int iterations, Op op) throws Exception {
    int batch = 1024;
    while (time(op, batch) < MIN_BATCH_NS && batch < (1 << 30)) {
      batch *= 2;
    }
    double[] rates = new double[iterations];
    for (int k = 0; k < iterations; k++) {
      rates[k] = batch * 1e9 / time(op, batch);
    }
    Arrays.sort(rates);
    return Math.rint(rates[iterations / 2]);
  }

  private static long time(Op op, int batch) throws Exception {
    long acc = 0;
    long start = System.nanoTime();
    for (int i = 0; i < batch; i++) {
      acc += op.run(i);
    }
    long elapsed = System.nanoTime() - start;
    sink += acc;
    return Math.max(1, elapsed);
  }

  private static Mac keyedMac(SecureRandom random) throws GeneralSecurityException {
    byte[] key = new byte[6];
    random.nextBytes(key);
    Mac mac = Mac.getInstance(CheckScheme.MAC_ALGORITHM);
    mac.init(new SecretKeySpec(key, CheckScheme.MAC_ALGORITHM));
    return mac;
  }
}
