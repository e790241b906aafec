package amoeba.examples;

import amoeba.kernel.api.ProcessContext;
import amoeba.kernel.api.Program;

/**
 * Burns one core for N seconds (first argument, default 10; 0 = until killed), checking for
 * interruption, so a kill ends it. Prints "burning" first and the rounds done at the end.
 */
public final class Cpu implements Program {
  @Override
  public int run(ProcessContext ctx) {
    long seconds = ctx.args().isEmpty() ? 10 : Long.parseLong(ctx.args().get(0));
    long end = seconds == 0 ? Long.MAX_VALUE : System.nanoTime() + seconds * 1_000_000_000L;
    ctx.stdout().println("burning");
    long rounds = 0;
    long x = 1;
    while (System.nanoTime() - end < 0) {
      for (int i = 0; i < 100_000; i++) {
        x = x * 6364136223846793005L + 1442695040888963407L;
      }
      rounds++;
      if (Thread.currentThread().isInterrupted()) {
        ctx.stdout().println("interrupted after " + rounds + " rounds");
        return 130;
      }
    }
    ctx.stdout().println("done " + rounds + " rounds " + (x & 1));
    return 0;
  }
}
