package amoeba.examples;

import amoeba.kernel.api.ProcessContext;
import amoeba.kernel.api.Program;

/** Prints "hello from BOARD" and its arguments. */
public final class Hello implements Program {
  @Override
  public int run(ProcessContext ctx) {
    StringBuilder line = new StringBuilder("hello from ").append(ctx.board());
    for (String a : ctx.args()) {
      line.append(' ').append(a);
    }
    ctx.stdout().println(line);
    return 0;
  }
}
