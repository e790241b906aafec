package amoeba.tools.bench;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

@Command(name = "cap", description = "Not yet measured.")
public final class CapBench implements Callable<Integer> {
  @Override
  public Integer call() {
    return 1;
  }
}
