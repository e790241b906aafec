package amoeba.servers.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amoeba.kernel.server.Wire;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The placement score and constraints over fake board pictures, with seeded randomness. */
class PlacementTest {
  static final long MIB = 1 << 20;
  final Placement placement = Placement.defaults();

  static BoardStatus board(String name, long speed, double load, long freeMib) {
    return new BoardStatus(name, "emulated", Set.of(), speed, load, freeMib * MIB, true);
  }

  @Test
  void scoreIsSpeedOverLoadPlusOneTimesCappedFreeMemory() {
    assertEquals(1000 / 2.0 * 128, placement.score(board("a", 1000, 1, 128)), 1e-9);
    assertEquals(1000 * 256.0, placement.score(board("a", 1000, 0, 4096)), 1e-9, "memory capped at 256 MiB");
    assertEquals(0, placement.score(BoardStatus.unreachable("a")));
  }

  @Test
  void choosesRandomlyAmongTheNearBestOnly() throws Exception {
    List<BoardStatus> boards = List.of(
        board("best", 1000, 0, 200), board("near", 1000, 0, 170), board("far", 1000, 1, 200));
    SplittableRandom random = new SplittableRandom(7);
    Map<String, Integer> chosen = new HashMap<>();
    for (int i = 0; i < 200; i++) {
      chosen.merge(placement.choose(boards, Constraints.ANY, random).name(), 1, Integer::sum);
    }
    assertTrue(chosen.getOrDefault("best", 0) > 50, chosen.toString());
    assertTrue(chosen.getOrDefault("near", 0) > 50, "within 20% of the best: " + chosen);
    assertEquals(0, chosen.getOrDefault("far", 0), "half the best: never " + chosen);
    assertEquals(List.of("best", "near"), placement.nearBest(boards, Constraints.ANY).stream().map(BoardStatus::name).toList());
  }

  @Test
  void anUnreachableBoardIsSkippedEvenIfItLookedBest() throws Exception {
    List<BoardStatus> boards = List.of(BoardStatus.unreachable("dead"), board("slow", 10, 5, 64));
    for (int i = 0; i < 20; i++) {
      assertEquals("slow", placement.choose(boards, Constraints.ANY, new SplittableRandom(i)).name());
    }
  }

  @Test
  void constraintsAreHonoured() throws Exception {
    BoardStatus pi4 = new BoardStatus("p4", "pi4b", Set.of("gpio", "i2c"), 100, 3, 100 * MIB, true);
    BoardStatus pi5 = new BoardStatus("p5", "pi5", Set.of("gpio"), 200, 3, 100 * MIB, true);
    BoardStatus emu = board("e1", 10_000, 0, 256); // by far the best score, never fits the needs
    List<BoardStatus> boards = List.of(pi4, pi5, emu);
    SplittableRandom r = new SplittableRandom(1);
    assertEquals("e1", placement.choose(boards, Constraints.ANY, r).name());
    assertEquals("p4", placement.choose(boards, Constraints.parse("", List.of("model=pi4b"), List.of()), r).name());
    assertEquals("p4", placement.choose(boards, Constraints.parse("", List.of("i2c"), List.of()), r).name());
    assertEquals("p5", placement.choose(boards, Constraints.parse("", List.of("gpio"), List.of()), r).name(),
        "p5 is twice as fast as p4");
    assertEquals("p4", placement.choose(boards, Constraints.parse("", List.of("gpio"), List.of("p5")), r).name());
    assertEquals("p4", placement.choose(boards, Constraints.parse("p4", List.of(), List.of()), r).name());
    assertEquals("p5", placement.choose(boards, Constraints.parse("", List.of("pi5"), List.of()), r).name(),
        "the model counts as a tag");
  }

  @Test
  void noBoardFitsSaysWhyForEachBoard() {
    List<BoardStatus> boards = List.of(board("e1", 100, 0, 64), BoardStatus.unreachable("e2"));
    Placement.NoBoardFits e = assertThrows(Placement.NoBoardFits.class,
        () -> placement.choose(boards, Constraints.parse("", List.of("model=pi5", "gpio"), List.of()), new SplittableRandom(1)));
    assertEquals("no board fits model=pi5, needs gpio (e1: model emulated, not pi5; e2: does not answer)", e.getMessage());
    Placement.NoBoardFits none = assertThrows(Placement.NoBoardFits.class,
        () -> placement.choose(List.of(), Constraints.ANY, new SplittableRandom(1)));
    assertTrue(none.getMessage().contains("knows no boards"), none.getMessage());
  }

  @Test
  void loadAndMemoryComeFromTheSysServersKeys() {
    BoardStatus b = BoardStatus.of("b1",
        Map.of("model", "pi4b", "cores", "4", "processes", "3", "tags", "gpio, i2c"),
        Map.of("process_cpu_load", "0.500", "free_heap_bytes", "1048576", "speed_index", "90000"));
    assertEquals(3 + 0.5 * 4, b.load(), 1e-9);
    assertEquals(1 << 20, b.freeMemoryBytes());
    assertEquals(90000, b.speedIndex());
    assertEquals(Set.of("gpio", "i2c"), b.tags());
    BoardStatus junk = BoardStatus.of("b2", Map.of("cores", "x"), Map.of("process_cpu_load", "-1"));
    assertEquals(0, junk.load(), 1e-9, "unmeasurable or malformed numbers count as 0");
  }

  @Test
  void badConstraintWordsAndOverlongListsAreRefused() {
    assertThrows(IllegalArgumentException.class, () -> Constraints.parse("", List.of("model=a", "model=b"), List.of()));
    assertThrows(IllegalArgumentException.class, () -> Constraints.parse("", List.of("cores=4"), List.of()));
    Wire.Out out = new Wire.Out().str("").str("").u16(Constraints.MAX_NAMES + 1);
    assertThrows(Wire.Malformed.class, () -> Constraints.read(new Wire.In(out.buffer())));
    Launch l = new Launch("builtin:hello", List.of("a"), Map.of("K", "V"), Constraints.parse("b1", List.of("gpio"), List.of("b2")));
    Wire.Out w = new Wire.Out();
    l.write(w);
    try {
      assertEquals(l, Launch.read(new Wire.In(w.buffer())));
    } catch (Wire.Malformed e) {
      throw new AssertionError(e);
    }
  }
}
