package amoeba.tools.bench;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

@Command(name = "flip", description = "Not yet measured.")
public final class FlipBench implements Callable<Integer> {
  @Override
  public Integer call() {
    return 1;
  }
}
