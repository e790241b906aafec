package amoeba.kernel.testprograms;

import amoeba.kernel.api.ProcessContext;
import amoeba.kernel.api.Program;

/** Ignores interruption while "stop" is absent from a file-free flag: spins until told by stdin. */
public final class Spinner implements Program {
  public static volatile boolean release;

  @Override
  public int run(ProcessContext ctx) {
    ctx.stdout().println("spinning");
    long x = 0;
    while (!release) {
      x += System.nanoTime() & 1; // never blocks, never checks interruption
    }
    return (int) (x & 0);
  }
}
