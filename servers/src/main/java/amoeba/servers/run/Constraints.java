package amoeba.servers.run;

import amoeba.kernel.server.Wire;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Where a program may run. Every field is a hard constraint: a board that fails one is never
 * chosen.
 *
 * <pre>
 * on      the board's name, or "" for any board
 * model   the board's model (INFO "model", e.g. pi4b, emulated), or "" for any
 * avoid   boards never to use
 * tags    what the board must have: each is in its INFO "tags" (comma-separated, e.g. gpio,i2c)
 *         or equals its model
 *
 * wire: str on, str model, u16 n, str* avoid, u16 n, str* tags   (at most 64 names each)
 * </pre>
 */
public record Constraints(String on, String model, Set<String> avoid, Set<String> tags) {
  /** Most names in one list: bounds what a request can make the server hold. */
  public static final int MAX_NAMES = 64;

  public static final Constraints ANY = new Constraints("", "", Set.of(), Set.of());

  public Constraints {
    on = on == null ? "" : on;
    model = model == null ? "" : model;
    avoid = Collections.unmodifiableSortedSet(new TreeSet<>(avoid));
    tags = Collections.unmodifiableSortedSet(new TreeSet<>(tags));
    if (avoid.size() > MAX_NAMES || tags.size() > MAX_NAMES) {
      throw new IllegalArgumentException("at most " + MAX_NAMES + " boards to avoid and tags");
    }
  }

  /**
   * From the CLI's words: {@code --on B}, {@code --needs model=M} or {@code --needs TAG}
   * (repeatable), {@code --avoid B} (repeatable).
   */
  public static Constraints parse(String on, List<String> needs, List<String> avoid) {
    String model = "";
    Set<String> tags = new TreeSet<>();
    for (String n : needs) {
      if (n.startsWith("model=")) {
        if (!model.isEmpty()) {
          throw new IllegalArgumentException("one model only: " + model + ", " + n.substring(6));
        }
        model = n.substring("model=".length());
      } else if (n.isBlank() || n.contains("=")) {
        throw new IllegalArgumentException("--needs is model=MODEL or a tag such as gpio: " + n);
      } else {
        tags.add(n);
      }
    }
    return new Constraints(on, model, new TreeSet<>(avoid), tags);
  }

  /** Why {@code board} does not fit, or null when it does. */
  public String misfit(BoardStatus board) {
    if (!on.isEmpty() && !on.equals(board.name())) {
      return "not " + on;
    }
    if (avoid.contains(board.name())) {
      return "avoided";
    }
    if (!model.isEmpty() && !model.equals(board.model())) {
      return "model " + board.model() + ", not " + model;
    }
    for (String t : tags) {
      if (!t.equals(board.model()) && !board.tags().contains(t)) {
        return "no " + t;
      }
    }
    return null;
  }

  /** These constraints, also avoiding {@code more} boards. */
  public Constraints avoiding(Set<String> more) {
    Set<String> all = new TreeSet<>(avoid);
    all.addAll(more);
    return new Constraints(on, model, all, tags);
  }

  public void write(Wire.Out out) {
    out.str(on).str(model);
    names(out, avoid);
    names(out, tags);
  }

  private static void names(Wire.Out out, Set<String> names) {
    out.u16(names.size());
    names.forEach(out::str);
  }

  public static Constraints read(Wire.In in) throws Wire.Malformed {
    String on = in.str();
    String model = in.str();
    List<String> avoid = names(in);
    List<String> tags = names(in);
    return new Constraints(on, model, new TreeSet<>(avoid), new TreeSet<>(tags));
  }

  private static List<String> names(Wire.In in) throws Wire.Malformed {
    int n = in.u16();
    if (n > MAX_NAMES) {
      throw new Wire.Malformed("at most " + MAX_NAMES + " names in a list: " + n);
    }
    List<String> names = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      names.add(in.str());
    }
    return names;
  }

  @Override
  public String toString() {
    List<String> parts = new ArrayList<>();
    if (!on.isEmpty()) {
      parts.add("on " + on);
    }
    if (!model.isEmpty()) {
      parts.add("model=" + model);
    }
    tags.forEach(t -> parts.add("needs " + t));
    avoid.forEach(a -> parts.add("avoid " + a));
    return parts.isEmpty() ? "any board" : String.join(", ", parts);
  }
}
