package amoeba.servers.run;

import amoeba.kernel.server.Wire;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A program to start: its source (what the kernel's ProgramLoader accepts: {@code cap:HEX},
 * {@code builtin:NAME} or an absolute jar path), arguments, environment and where it may run.
 *
 * <pre>
 * wire: str source, u16 argc, str*, u16 envc, (str k, str v)*, Constraints
 * limits: source 1..4096 bytes, at most 1024 arguments and 256 variables
 * </pre>
 */
public record Launch(String source, List<String> args, Map<String, String> env, Constraints constraints) {
  public static final int MAX_SOURCE = 4096;
  public static final int MAX_ARGS = 1024;
  public static final int MAX_ENV = 256;

  public Launch {
    if (source == null || source.isEmpty() || source.length() > MAX_SOURCE) {
      throw new IllegalArgumentException("a program source is 1.." + MAX_SOURCE + " characters");
    }
    args = List.copyOf(args);
    env = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(env));
    if (args.size() > MAX_ARGS || env.size() > MAX_ENV) {
      throw new IllegalArgumentException("at most " + MAX_ARGS + " arguments and " + MAX_ENV + " variables");
    }
  }

  public Launch(String source, List<String> args, Constraints constraints) {
    this(source, args, Map.of(), constraints);
  }

  public Launch with(Constraints other) {
    return new Launch(source, args, env, other);
  }

  public void write(Wire.Out out) {
    out.str(source).u16(args.size());
    args.forEach(out::str);
    out.u16(env.size());
    env.forEach((k, v) -> out.str(k).str(v));
    constraints.write(out);
  }

  /** Reads and checks one; Malformed for anything out of its limits. */
  public static Launch read(Wire.In in) throws Wire.Malformed {
    String source = in.str();
    int argc = in.u16();
    if (argc > MAX_ARGS) {
      throw new Wire.Malformed("at most " + MAX_ARGS + " arguments: " + argc);
    }
    List<String> args = new ArrayList<>(argc);
    for (int i = 0; i < argc; i++) {
      args.add(in.str());
    }
    int envc = in.u16();
    if (envc > MAX_ENV) {
      throw new Wire.Malformed("at most " + MAX_ENV + " variables: " + envc);
    }
    Map<String, String> env = new LinkedHashMap<>();
    for (int i = 0; i < envc; i++) {
      env.put(in.str(), in.str());
    }
    Constraints constraints = Constraints.read(in);
    try {
      return new Launch(source, args, env, constraints);
    } catch (IllegalArgumentException e) {
      throw new Wire.Malformed(e.getMessage());
    }
  }
}
