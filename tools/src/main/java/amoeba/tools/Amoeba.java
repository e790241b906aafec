package amoeba.tools;

import java.io.PrintWriter;
import org.tinylog.configuration.Configuration;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The {@code amoeba} command: the root of every subcommand a user types.
 *
 * <p>Exit status, for every subcommand: 0 success, 1 the operation failed (a {@link CliFailure},
 * e.g. CAPBAD or not found), 2 a usage error. Errors are one line on stderr; stack traces only
 * with {@code --verbose}.
 */
@Command(
    name = "amoeba",
    mixinStandardHelpOptions = true,
    scope = CommandLine.ScopeType.INHERIT, // --help (and --version) on every subcommand
    versionProvider = Amoeba.Version.class,
    description = "A distributed capability operating system for a pool of Raspberry Pis.",
    subcommands = {
      EmulateCommand.class,
      FlashCommand.class,
      BootCommand.class,
      ExecCommand.class,
      RunCommand.class,
      ServicesCommand.class,
      PsCommand.class,
      KillCommand.class,
      MigrateCommand.Stun.class,
      MigrateCommand.Migrate.class,
      BoardCommand.class,
      PoolCommand.class,
      PoolsCommand.class,
      ChaosCommand.class,
      TopCommand.class,
      DeviceCli.Gpio.class,
      DeviceCli.Pwm.class,
      DeviceCli.I2c.class,
      DeviceCli.Sensor.class,
      DirCommand.class,
      FileCommand.class,
      CapCommand.class,
      StdCli.class,
      FlipCommand.class,
      RpcCommand.class,
      GroupCommand.class,
      LockCommand.Group.class,
      LockCommand.Elect.class,
      BenchCommand.class,
      CompletionCommand.class,
    })
public final class Amoeba {

  @Option(
      names = {"-v", "--verbose"},
      description = "Log debug detail and show stack traces of errors.",
      scope = CommandLine.ScopeType.INHERIT)
  void setVerbose(boolean verbose) {
    Amoeba.verbose = verbose;
    if (verbose) {
      Configuration.set("level", "debug");
    }
  }

  static boolean verbose;

  /**
   * Names the process whose end ends this one: a benchmark's or a pool's child must not
   * outlive a parent killed before it could stop it (kill -9, a crashed test JVM).
   */
  public static final String PARENT_PID_PROPERTY = "amoeba.parentPid";

  public static void main(String[] args) {
    exitWithParent(System.getProperty(PARENT_PID_PROPERTY));
    System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
  }

  /** Exits (status 3, shutdown hooks run) once process {@code pid} has ended, if it is set. */
  private static void exitWithParent(String pid) {
    if (pid == null) {
      return;
    }
    ProcessHandle.of(Long.parseLong(pid)).ifPresentOrElse(
        parent -> parent.onExit().thenRun(() -> System.exit(3)), () -> System.exit(3)); // gone
  }

  /** Runs one command line with the given streams; returns the exit status. For tests, too. */
  public static int run(String[] args, PrintWriter out, PrintWriter err) {
    verbose = false;
    CommandLine cli = commandLine(out, err);
    return cli.execute(args);
  }

  static CommandLine commandLine(PrintWriter out, PrintWriter err) {
    CommandLine cli = new CommandLine(new Amoeba());
    cli.setDefaultValueProvider(PoolProfile.current());
    Examples.apply(cli);
    cli.setOut(out);
    cli.setErr(err);
    cli.setExecutionExceptionHandler(
        (e, commandLine, parseResult) -> {
          if (verbose) {
            e.printStackTrace(err);
          }
          if (e instanceof CliFailure) {
            err.println("amoeba: " + e.getMessage());
            return 1;
          }
          if (e instanceof CommandLine.ParameterException) {
            err.println("amoeba: " + e.getMessage());
            return 2;
          }
          err.println("amoeba: " + describe(e));
          return 1;
        });
    cli.setParameterExceptionHandler(
        (e, args) -> {
          err.println("amoeba: " + e.getMessage());
          err.println("Try 'amoeba " + commandPath(e.getCommandLine()) + "--help' for more.");
          return 2;
        });
    return cli;
  }

  private static String commandPath(CommandLine cl) {
    StringBuilder path = new StringBuilder();
    for (CommandLine c = cl; c.getParent() != null; c = c.getParent()) {
      path.insert(0, c.getCommandName() + " ");
    }
    return path.toString();
  }

  private static String describe(Throwable e) {
    String message = e.getMessage();
    return e.getClass().getSimpleName() + (message == null ? "" : ": " + message);
  }

  /** The version the shaded jar's manifest carries. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = Amoeba.class.getPackage().getImplementationVersion();
      return new String[] {"amoeba-pi " + (v == null ? "(development build)" : v)};
    }
  }
}
