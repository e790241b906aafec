package amoeba.systemtests.harness;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs a short administrative command (ip, nft, kill) and fails loudly if it fails. */
public final class Shell {
  private Shell() {}

  /** Runs {@code command}; returns its stdout; throws with its stderr on a non-zero exit. */
  public static String run(String... command) {
    return run(true, command);
  }

  /** Runs {@code command}, ignoring a failure (for idempotent cleanup). */
  public static void quietly(String... command) {
    run(false, command);
  }

  private static String run(boolean check, String... command) {
    try {
      Process p = new ProcessBuilder(List.of(command)).redirectErrorStream(false).start();
      p.getOutputStream().close();
      if (!p.waitFor(20, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IllegalStateException("timed out: " + String.join(" ", command));
      }
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
      if (check && p.exitValue() != 0) {
        throw new IllegalStateException(
            String.join(" ", command) + " exited " + p.exitValue() + ": " + err.trim());
      }
      return out;
    } catch (IOException e) {
      if (check) {
        throw new IllegalStateException("cannot run " + command[0] + ": " + e.getMessage(), e);
      }
      return "";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted: " + String.join(" ", command), e);
    }
  }
}
