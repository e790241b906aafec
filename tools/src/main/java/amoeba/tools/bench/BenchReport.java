package amoeba.tools.bench;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The output convention of every {@code amoeba bench}: a table for people, or with {@code --json}
 * one object {@code {"bench": NAME, "rows": [{"name": ..., "p50_us": ..., ...}]}} on stdout.
 * A row carries only the fields it measured, in the order they were added. Ratios are printed
 * below the table; in JSON a consumer computes them from the rows.
 */
public final class BenchReport {
  private final String bench;
  private final List<Row> rows = new ArrayList<>();
  private final List<String> notes = new ArrayList<>();

  public BenchReport(String bench) {
    this.bench = bench;
  }

  /** Adds a row; set its fields with {@link Row#put}. */
  public Row row(String name) {
    // Progress on stderr (stdout stays the table or the JSON): benches run for minutes.
    System.err.printf("bench %s: %s%n", bench, name);
    Row row = new Row(name);
    rows.add(row);
    return row;
  }

  /** A line printed under the table (ratios, targets); not part of the JSON. */
  public void note(String format, Object... args) {
    notes.add(String.format(Locale.ROOT, format, args));
  }

  public Row get(String name) {
    for (Row r : rows) {
      if (r.name.equals(name)) {
        return r;
      }
    }
    throw new IllegalArgumentException("no row " + name);
  }

  public void print(PrintWriter out, boolean json) {
    out.println(json ? toJson() : toTable());
    if (!json) {
      notes.forEach(out::println);
    }
    out.flush();
  }

  public String toJson() {
    StringBuilder s = new StringBuilder("{\"bench\": \"").append(bench).append("\", \"rows\": [");
    for (int i = 0; i < rows.size(); i++) {
      Row r = rows.get(i);
      s.append(i == 0 ? "" : ", ").append("{\"name\": \"").append(r.name).append('"');
      r.fields.forEach((k, v) -> s.append(", \"").append(k).append("\": ").append(number(v)));
      s.append('}');
    }
    return s.append("]}").toString();
  }

  public String toTable() {
    List<String> columns = new ArrayList<>();
    for (Row r : rows) {
      r.fields.keySet().stream().filter(k -> !columns.contains(k)).forEach(columns::add);
    }
    int nameWidth = Math.max(4, rows.stream().mapToInt(r -> r.name.length()).max().orElse(4));
    StringBuilder s = new StringBuilder(String.format(Locale.ROOT, "%-" + nameWidth + "s", "name"));
    columns.forEach(c -> s.append(String.format(Locale.ROOT, " %14s", c)));
    for (Row r : rows) {
      s.append('\n').append(String.format(Locale.ROOT, "%-" + nameWidth + "s", r.name));
      for (String c : columns) {
        Double v = r.fields.get(c);
        s.append(String.format(Locale.ROOT, " %14s", v == null ? "-" : number(v)));
      }
    }
    return s.toString();
  }

  private static String number(double v) {
    if (v == Math.rint(v) && Math.abs(v) < 1e15) {
      return Long.toString((long) v);
    }
    return String.format(Locale.ROOT, Math.abs(v) >= 100 ? "%.1f" : "%.2f", v);
  }

  /** One measured thing. */
  public static final class Row {
    final String name;
    final Map<String, Double> fields = new LinkedHashMap<>();

    Row(String name) {
      this.name = name;
    }

    public Row put(String field, double value) {
      fields.put(field, value);
      return this;
    }

    public double get(String field) {
      Double v = fields.get(field);
      if (v == null) {
        throw new IllegalArgumentException(name + " has no " + field);
      }
      return v;
    }

    /** p50, p99 and p999 in microseconds from a set of nanosecond samples. */
    public Row latencies(Latencies samples) {
      put("p50_us", samples.percentileMicros(50));
      put("p99_us", samples.percentileMicros(99));
      put("p999_us", samples.percentileMicros(99.9));
      return this;
    }
  }
}
