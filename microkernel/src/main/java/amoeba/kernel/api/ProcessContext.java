package amoeba.kernel.api;

import amoeba.capabilities.Capability;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Everything a program gets from its kernel: arguments, environment, standard streams, its
 * capability environment and IPC. This is a process's whole authority.
 */
public interface ProcessContext {
  /** The board this process runs on (its name, e.g. "b1"). */
  String board();

  /** The process number on its board. */
  int pid();

  List<String> args();

  Map<String, String> env();

  /** Bytes the caller forwards; end of stream when the caller closes it. */
  InputStream stdin();

  /** UTF-8, streamed to whoever reads the process's output. */
  PrintStream stdout();

  PrintStream stderr();

  /** The owner capability of this process at its board's process server. */
  Capability self();

  /**
   * The owner capability of the pool's root directory (derived from the pool key; the directory
   * service answers it once it runs).
   */
  Capability root();

  /**
   * A folder of this board private to the program's name ({@code <data>/programs/<name>}), kept
   * across restarts of the program on this board; null for ordinary programs and on boards
   * without a data folder. System servers keep their state here (Bullet files, directory log).
   */
  Path storage();

  /** The pool key's authority for system programs ({@code builtin:NAME}); null for the others. */
  PoolAuthority authority();

  Ipc ipc();
}
