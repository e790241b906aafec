package amoeba.systemtests;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The client threads of a client host's program ({@link RegisterClients}, {@link MixedLoad}):
 * each runs while {@link #running} (until SIGTERM or the deadline; its own count too) and prints
 * one line per recorded result as it completes. On SIGTERM every thread finishes its call in
 * flight (bounded: each call has a timeout), then "done N" is printed, N the lines recorded.
 */
final class LoadThreads {
  private final PrintStream out;
  private final long deadlineNanos;
  /** How long the end waits for one thread: longer than any call of it. */
  private final long joinMillis;
  private final AtomicBoolean stop = new AtomicBoolean();
  private final List<Thread> threads = new ArrayList<>();
  /** Guarded by out. */
  private long recorded;

  LoadThreads(PrintStream out, long deadlineNanos, long joinMillis) {
    this.out = out;
    this.deadlineNanos = deadlineNanos;
    this.joinMillis = joinMillis;
  }

  boolean running() {
    return !stop.get() && System.nanoTime() < deadlineNanos;
  }

  /** Prints a result line at once (the test reads lines while the program runs). */
  void record(String line) {
    synchronized (out) {
      out.println(line);
      out.flush();
      recorded++;
    }
  }

  void start(String name, Runnable body) {
    Thread t = new Thread(body, name);
    threads.add(t);
    t.start();
  }

  /** Waits until every thread has ended (by count, deadline or SIGTERM), then prints "done N". */
  void awaitEnd() throws InterruptedException {
    Thread end = new Thread(() -> {
      stop.set(true);
      for (Thread t : threads) {
        try {
          t.join(joinMillis);
        } catch (InterruptedException e) {
          return;
        }
      }
      synchronized (out) {
        out.println("done " + recorded);
        out.flush();
      }
    }, "stop-clients");
    Runtime.getRuntime().addShutdownHook(end); // SIGTERM: the threads finish their calls
    for (Thread t : threads) {
      t.join();
    }
    try {
      Runtime.getRuntime().removeShutdownHook(end);
      end.run(); // ended by count or time: print the total
    } catch (IllegalStateException shuttingDown) {
      // the hook prints it
    }
  }
}
