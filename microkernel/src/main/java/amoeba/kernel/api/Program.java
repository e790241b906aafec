package amoeba.kernel.api;

/**
 * The entry class of a program jar implements this (named by the manifest attribute {@code
 * Amoeba-Program}, else {@code Main-Class}) and has a public no-argument constructor.
 *
 * <p>The process ends when {@link #run} returns: its return value is the exit status, threads
 * it started that are still alive are interrupted. A program that throws exits with status 1
 * and its stack trace on stderr. A program should answer interruption (kill) by returning.
 */
@FunctionalInterface
public interface Program {
  /** @return the exit status: 0 for success */
  int run(ProcessContext context) throws Exception;
}
