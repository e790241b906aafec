package amoeba.tools;

import java.util.concurrent.Callable;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
    name = "completion",
    description = "Print a shell completion script.",
    footer = {"", "Example:  source <(amoeba completion bash)"})
final class CompletionCommand implements Callable<Integer> {
  enum Shell {
    bash
  }

  @Parameters(paramLabel = "SHELL", description = "The shell: ${COMPLETION-CANDIDATES}.")
  Shell shell;

  @Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    CommandLine root = spec.commandLine();
    while (root.getParent() != null) {
      root = root.getParent();
    }
    spec.commandLine().getOut().print(AutoComplete.bash("amoeba", root));
    spec.commandLine().getOut().flush();
    return 0;
  }
}
