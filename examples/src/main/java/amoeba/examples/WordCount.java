package amoeba.examples;

import amoeba.kernel.api.ProcessContext;
import amoeba.kernel.api.Program;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;

/** Counts lines and words on stdin, like wc -lw: prints "LINES WORDS". */
public final class WordCount implements Program {
  @Override
  public int run(ProcessContext ctx) throws IOException {
    long lines = 0;
    long words = 0;
    BufferedReader in = new BufferedReader(new InputStreamReader(ctx.stdin(), StandardCharsets.UTF_8));
    for (String line; (line = in.readLine()) != null; ) {
      lines++;
      for (String w : line.trim().split("\\s+")) {
        if (!w.isEmpty()) {
          words++;
        }
      }
    }
    ctx.stdout().println(lines + " " + words);
    return 0;
  }
}
