package amoeba.kernel.testprograms;

import amoeba.kernel.api.ProcessContext;
import amoeba.kernel.api.Program;

/** Blocks on stdin; echoes what it reads in upper case; a kill interrupts the read. */
public final class Waiter implements Program {
  @Override
  public int run(ProcessContext ctx) throws Exception {
    ctx.stdout().println("waiting");
    byte[] all = ctx.stdin().readAllBytes();
    ctx.stdout().print(new String(all, java.nio.charset.StandardCharsets.UTF_8).toUpperCase(java.util.Locale.ROOT));
    return 0;
  }
}
