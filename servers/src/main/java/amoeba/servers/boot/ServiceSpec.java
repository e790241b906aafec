package amoeba.servers.boot;

import amoeba.kernel.server.Wire;
import amoeba.servers.run.Launch;

/**
 * One service the boot server keeps running, like a ReplicaSet: {@code instances} copies of a
 * program, each polled every {@code pollMs}; a dead one is started again through the run
 * server, at most once per {@code restartMs} for the whole service.
 *
 * <pre>
 * wire: str name, Launch (source, args, env, constraints), u16 instances, u32 pollMs,
 *       u32 restartMs
 * limits: name 1..64 of [A-Za-z0-9._-], instances 0..64, pollMs 10..3600000,
 *         restartMs 0..86400000
 * </pre>
 */
public record ServiceSpec(String name, Launch launch, int instances, int pollMs, int restartMs) {
  public static final int MAX_INSTANCES = 64;
  public static final int DEFAULT_POLL_MS = 1000;
  public static final int DEFAULT_RESTART_MS = 5000;

  public ServiceSpec {
    if (name == null || !name.matches("[A-Za-z0-9._-]{1,64}")) {
      throw new IllegalArgumentException("a service name is 1..64 of [A-Za-z0-9._-]: " + name);
    }
    if (instances < 0 || instances > MAX_INSTANCES) {
      throw new IllegalArgumentException("instances 0.." + MAX_INSTANCES + ": " + instances);
    }
    if (pollMs < 10 || pollMs > 3_600_000) {
      throw new IllegalArgumentException("pollMs 10..3600000: " + pollMs);
    }
    if (restartMs < 0 || restartMs > 86_400_000) {
      throw new IllegalArgumentException("restartMs 0..86400000: " + restartMs);
    }
  }

  public void write(Wire.Out out) {
    out.str(name);
    launch.write(out);
    out.u16(instances).i32(pollMs).i32(restartMs);
  }

  public static ServiceSpec read(Wire.In in) throws Wire.Malformed {
    String name = in.str();
    Launch launch = Launch.read(in);
    int instances = in.u16();
    int pollMs = in.i32();
    int restartMs = in.i32();
    try {
      return new ServiceSpec(name, launch, instances, pollMs, restartMs);
    } catch (IllegalArgumentException e) {
      throw new Wire.Malformed(e.getMessage());
    }
  }
}
