package amoeba.servers.boot;

import amoeba.capabilities.Capability;
import amoeba.capabilities.ErrorCode;
import amoeba.ipc.rpc.RpcException;
import amoeba.servers.run.Launch;
import amoeba.servers.run.RunClient;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.LongSupplier;
import org.tinylog.Logger;

/**
 * The boot server's engine: the declared services, their instances, and {@link #tick}, one pass
 * of "poll what is due, start what is missing", driven by an injected clock (milliseconds), so
 * tests step time by hand.
 *
 * <p>Rules of a pass, per service:
 *
 * <ol>
 *   <li>Every {@code pollMs}, each instance is polled ({@link Liveness}). A process that
 *       finished, a revoked or unknown capability, or a board that does not answer (an RPC-level
 *       error) is dead: the instance is dropped and owes a restart. An inconclusive answer
 *       (TRYAGAIN, NOTNOW) keeps it.
 *   <li>Instances never started (a new service) are started at once.
 *   <li>Owed restarts: one per {@code restartMs} per service, through the run server, preferring
 *       boards where the service lost an instance or already runs one (a second choice without
 *       that preference if nothing else fits).
 *   <li>A failed start is an event, and the next attempt waits {@code restartMs}.
 * </ol>
 *
 * RPCs run outside the state lock, so LIST/ADD/REMOVE answer while a pass waits on a silent board;
 * only one pass runs at a time. Every change is saved to the {@link BootStore}; a failed save is
 * retried by the ticks once a second. The event log keeps the newest {@value #MAX_EVENTS} events.
 */
public final class Supervisor {
  public static final int MAX_EVENTS = 256;
  /** Services one boot server keeps. */
  public static final int MAX_SERVICES = 256;
  /** Time between two attempts to save a state whose save failed (the store may be back). */
  static final long SAVE_RETRY_MS = 1000;

  /** Starts a program through the run server. */
  @FunctionalInterface
  public interface Launcher {
    RunClient.Placed launch(Launch launch) throws RpcException;
  }

  /** What a poll found. */
  public enum Health {
    ALIVE,
    DEAD,
    /** No conclusion (the server was busy): keep it, poll again. */
    UNKNOWN
  }

  /** A poll's finding and, for a dead instance, why. */
  public record Finding(Health health, String why) {}

  /** Polls one instance (STATUS of its process capability). */
  @FunctionalInterface
  public interface Liveness {
    Finding check(Instance instance);
  }

  /** Kills an instance the boot server no longer wants; best effort, never throws. */
  @FunctionalInterface
  public interface Stopper {
    void stop(Instance instance);
  }

  /** A running instance. {@code health}: ALIVE, or UNKNOWN when its last poll was inconclusive. */
  public record Instance(String service, String board, int pid, Capability capability, Health health) {
    Instance with(Health h) {
      return new Instance(service, board, pid, capability, h);
    }
  }

  /** Something the boot server did or saw. */
  public record Event(long timeMs, String service, String text) {}

  /** A service as LIST shows it. */
  public record ServiceView(ServiceSpec spec, List<Instance> instances, int owedRestarts) {}

  private static final class Service {
    ServiceSpec spec;
    final List<Instance> instances = new ArrayList<>();
    int owed;
    /** Boards where it lost an instance lately: avoided by preference. */
    final Set<String> lostOn = new LinkedHashSet<>();
    long nextPollMs;
    long lastRestartMs = Long.MIN_VALUE / 2;
    long nextAttemptMs;

    Service(ServiceSpec spec) {
      this.spec = spec;
    }
  }

  private final BootStore store;
  private final Launcher launcher;
  private final Liveness liveness;
  private final Stopper stopper;
  private final LongSupplier clockMs;
  /** By name; guarded by this. */
  private final Map<String, Service> services = new TreeMap<>();
  private final ArrayDeque<Event> events = new ArrayDeque<>();
  private final Object ticking = new Object();
  /** Guarded by this: the last save failed; retried by a tick from this time on. */
  private boolean unsaved;
  private long saveRetryMs;

  public Supervisor(BootStore store, Launcher launcher, Liveness liveness, Stopper stopper, LongSupplier clockMs) {
    this.store = store;
    this.launcher = launcher;
    this.liveness = liveness;
    this.stopper = stopper;
    this.clockMs = clockMs;
  }

  /**
   * Loads the saved state: its services, and its instances that still answer (adopted; the
   * others owe a restart). Call once, before the first tick.
   */
  public void recover() throws IOException {
    BootStore.State saved = store.load();
    long now = clockMs.getAsLong();
    synchronized (this) {
      for (ServiceSpec s : saved.services()) {
        services.put(s.name(), new Service(s));
      }
    }
    for (BootStore.Remembered r : saved.instances()) {
      Instance i = new Instance(r.service(), r.board(), r.pid(), r.capability(), Health.ALIVE);
      Finding f = liveness.check(i);
      synchronized (this) {
        Service s = services.get(r.service());
        if (s == null) {
          continue;
        }
        if (f.health() == Health.DEAD) {
          s.owed++;
          s.lostOn.add(r.board());
          event(now, s, "lost " + where(i) + " while the boot server was down: " + f.why());
        } else {
          s.instances.add(i.with(f.health()));
          event(now, s, "adopted " + where(i));
        }
      }
    }
    synchronized (this) {
      save();
    }
  }

  /** One pass: polls what is due, starts what is missing (see the class comment). */
  public void tick() {
    synchronized (ticking) {
      long now = clockMs.getAsLong();
      synchronized (this) {
        if (unsaved && now >= saveRetryMs) {
          save();
        }
      }
      poll(now);
      start(now);
    }
  }

  private void poll(long now) {
    List<Instance> due = new ArrayList<>();
    synchronized (this) {
      for (Service s : services.values()) {
        if (now >= s.nextPollMs) {
          s.nextPollMs = now + s.spec.pollMs();
          due.addAll(s.instances);
        }
      }
    }
    for (Instance i : due) {
      Finding f = liveness.check(i);
      synchronized (this) {
        Service s = services.get(i.service());
        if (s == null || !s.instances.remove(i)) {
          continue; // removed meanwhile
        }
        if (f.health() == Health.DEAD) {
          s.owed++;
          s.lostOn.add(i.board());
          event(now, s, "instance " + where(i) + " is dead: " + f.why());
          save();
        } else {
          s.instances.add(i.with(f.health()));
        }
      }
    }
  }

  /**
   * A start to make: the service, what to launch, boards to avoid by preference (one set per
   * service and pass, shared by its starts), whether it is a restart.
   */
  private record Start(String service, Launch launch, Set<String> prefer, boolean restart) {}

  private void start(long now) {
    List<Start> starts = new ArrayList<>();
    synchronized (this) {
      for (Service s : services.values()) {
        int missing = s.spec.instances() - s.instances.size();
        s.owed = Math.max(0, Math.min(s.owed, missing));
        if (missing <= 0 || now < s.nextAttemptMs) {
          continue;
        }
        Set<String> prefer = new LinkedHashSet<>(s.lostOn);
        s.instances.forEach(i -> prefer.add(i.board()));
        for (int k = 0; k < missing - s.owed; k++) {
          starts.add(new Start(s.spec.name(), s.spec.launch(), prefer, false));
        }
        if (s.owed > 0 && now - s.lastRestartMs >= s.spec.restartMs()) {
          s.lastRestartMs = now;
          starts.add(new Start(s.spec.name(), s.spec.launch(), prefer, true));
        }
      }
    }
    for (Start st : starts) {
      RunClient.Placed placed;
      try {
        placed = launch(st);
      } catch (RpcException e) {
        synchronized (this) {
          Service s = services.get(st.service());
          if (s != null) {
            s.nextAttemptMs = now + s.spec.restartMs();
            event(now, s, (st.restart() ? "restart" : "start") + " failed: " + e.getMessage());
          }
        }
        continue;
      }
      st.prefer().add(placed.board()); // the service's next start in this pass spreads further
      Instance i = new Instance(st.service(), placed.board(), placed.pid(), placed.capability(), Health.ALIVE);
      boolean kept;
      synchronized (this) {
        Service s = services.get(st.service());
        kept = s != null && s.spec.launch().equals(st.launch());
        if (kept) {
          s.instances.add(i);
          if (st.restart()) {
            s.owed = Math.max(0, s.owed - 1);
          }
          event(now, s, (st.restart() ? "restarted " : "started ") + where(i));
          save();
        }
      }
      if (!kept) {
        stopper.stop(i); // removed (or replaced) while it was being started
      }
    }
  }

  /** Places avoiding the preferred-against boards; without that preference if nothing else fits. */
  private RunClient.Placed launch(Start st) throws RpcException {
    if (!st.prefer().isEmpty()) {
      try {
        return launcher.launch(st.launch().with(st.launch().constraints().avoiding(st.prefer())));
      } catch (RpcException e) {
        if (e.status() != ErrorCode.NOTNOW.code()) {
          throw e;
        }
      }
    }
    return launcher.launch(st.launch());
  }

  /** Adds a service; EXISTS if the name is taken, NOSPACE beyond {@value #MAX_SERVICES}. */
  public synchronized ErrorCode add(ServiceSpec spec) {
    if (services.containsKey(spec.name())) {
      return ErrorCode.EXISTS;
    }
    if (services.size() >= MAX_SERVICES) {
      return ErrorCode.NOSPACE;
    }
    Service s = new Service(spec);
    services.put(spec.name(), s);
    event(clockMs.getAsLong(), s, "added: " + spec.instances() + " x " + spec.launch().source() + " " + spec.launch().args());
    save();
    return ErrorCode.OK;
  }

  /** Removes a service and kills its instances; NO_SUCH_OBJECT if there is none by that name. */
  public ErrorCode remove(String name) {
    List<Instance> doomed;
    synchronized (this) {
      Service s = services.remove(name);
      if (s == null) {
        return ErrorCode.NO_SUCH_OBJECT;
      }
      doomed = new ArrayList<>(s.instances);
      event(clockMs.getAsLong(), s, "removed; stopping " + doomed.size() + " instance(s)");
      save();
    }
    doomed.forEach(stopper::stop);
    return ErrorCode.OK;
  }

  /** Every service with its instances, by name. */
  public synchronized List<ServiceView> services() {
    List<ServiceView> all = new ArrayList<>();
    for (Service s : services.values()) {
      all.add(new ServiceView(s.spec, List.copyOf(s.instances), s.owed));
    }
    return all;
  }

  /** The newest events, oldest first. */
  public synchronized List<Event> events() {
    return List.copyOf(events);
  }

  private static String where(Instance i) {
    return "on " + i.board() + " pid " + i.pid();
  }

  /** Guarded by this. */
  private void event(long now, Service s, String text) {
    if (events.size() == MAX_EVENTS) {
      events.removeFirst();
    }
    events.addLast(new Event(now, s.spec.name(), text));
    Logger.info("boot server: {}: {}", s.spec.name(), text);
  }

  /** Guarded by this; a store failure is logged and retried at the next change or tick. */
  private void save() {
    List<ServiceSpec> specs = new ArrayList<>();
    List<BootStore.Remembered> instances = new ArrayList<>();
    for (Service s : services.values()) {
      specs.add(s.spec);
      for (Instance i : s.instances) {
        instances.add(new BootStore.Remembered(i.service(), i.board(), i.pid(), i.capability()));
      }
    }
    try {
      store.save(new BootStore.State(specs, instances));
      unsaved = false;
    } catch (IOException e) {
      if (!unsaved) {
        Logger.error(e, "boot server: cannot save its state");
      }
      unsaved = true;
      saveRetryMs = clockMs.getAsLong() + SAVE_RETRY_MS;
    }
  }
}
