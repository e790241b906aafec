package amoeba.kernel.testprograms;

import amoeba.kernel.api.ProcessContext;
import amoeba.kernel.api.Program;

public final class Thrower implements Program {
  @Override
  public int run(ProcessContext ctx) {
    ctx.stdout().println("about to throw");
    throw new IllegalStateException("thrown on purpose");
  }
}
