package amoeba.kernel.testprograms;

import amoeba.kernel.api.ProcessContext;
import amoeba.kernel.api.Program;

public final class Hello implements Program {
  @Override
  public int run(ProcessContext ctx) {
    ctx.stdout().println("hello from " + ctx.board() + " " + String.join(" ", ctx.args()));
    ctx.stdout().println("loader " + getClass().getClassLoader().getName());
    return ctx.args().contains("fail") ? 3 : 0;
  }
}
