package amoeba.kernel.api;

import amoeba.capabilities.Capability;
import java.io.InputStream;
import java.io.PrintStream;
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

  /** The root directory capability, or null until a directory server exists (issue 8). */
  Capability root();

  Ipc ipc();
}
