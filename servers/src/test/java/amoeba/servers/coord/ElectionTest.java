package amoeba.servers.coord;

import amoeba.servers.Eventually;
import static amoeba.servers.coord.CoordPool.MS;
import static amoeba.servers.coord.CoordPool.SECOND;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amoeba.flip.BoxConfig;
import amoeba.flip.FlipBox;
import amoeba.ipc.group.GroupConfig;
import amoeba.ipc.group.GroupMember;
import amoeba.servers.coord.elect.GroupElection;
import amoeba.servers.coord.elect.Leadership;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Bully and the group election: who wins, take-over, concurrent elections, terms. */
class ElectionTest {
  /** Whether {@code done} held within {@code timeoutNanos} (see {@link Eventually}). */
  static boolean await(BooleanSupplier done, long timeoutNanos) {
    return Eventually.holds(done, timeoutNanos);
  }

  static Set<Leadership> views(Collection<CoordNode> nodes) {
    return nodes.stream().map(n -> n.bully().leadership()).collect(Collectors.toSet());
  }

  static boolean allAgreeOn(CoordPool pool, String leader) {
    Set<Leadership> v = views(pool.nodes.values());
    return v.size() == 1 && v.iterator().next().leader().equals(leader);
  }

  @Test
  void bullyHighestLiveWinsAndAReturningHigherTakesOver() throws Exception {
    try (CoordPool pool = new CoordPool(41, 5, CoordPool.PEER).startAll()) {
      // Every participant starts an election at once: concurrent elections end with one leader.
      assertTrue(await(() -> allAgreeOn(pool, "n5"), 10 * SECOND), () -> "views " + views(pool.nodes.values()));
      long term5 = pool.nodes.get("n1").bully().leadership().term();

      pool.crash("n5");
      assertTrue(await(() -> allAgreeOn(pool, "n4"), 10 * SECOND), () -> "views " + views(pool.nodes.values()));
      long term4 = pool.nodes.get("n1").bully().leadership().term();
      assertTrue(term4 > term5, "a new leader, a newer term");

      pool.start("n5"); // returns knowing no term at all
      assertTrue(await(() -> allAgreeOn(pool, "n5"), 10 * SECOND), () -> "views " + views(pool.nodes.values()));
      assertTrue(pool.nodes.get("n1").bully().leadership().term() > term4, "the returning leader's term is newer");
    }
  }

  @Test
  void bullyConcurrentElectionsUnderLossEndWithOneLeader() throws Exception {
    try (CoordPool pool = new CoordPool(42, 5, CoordPool.PEER).startAll()) {
      pool.faults(0.05, 0.05, 0.05);
      assertTrue(await(() -> allAgreeOn(pool, "n5"), 10 * SECOND), () -> "views " + views(pool.nodes.values()));
      pool.crash("n5");
      pool.nodes.values().forEach(n -> n.bully().elect()); // everyone at once
      assertTrue(await(() -> allAgreeOn(pool, "n4"), 10 * SECOND), () -> "views " + views(pool.nodes.values()));
    }
  }

  @Test
  void groupElectionAgreesAndMovesOnWhenTheLeaderLeaves() throws Exception {
    CoordPool pool = new CoordPool(43, 0, CoordPool.PEER);
    GroupConfig cfg = GroupConfig.defaults().withTimers(5 * MS, 300 * MS, 20 * MS, 5 * MS);
    List<GroupElection> elections = new ArrayList<>();
    List<FlipBox> boxes = new ArrayList<>();
    try {
      for (int i = 1; i <= 3; i++) {
        FlipBox box = new FlipBox(BoxConfig.defaults(1), List.of(pool.hub.attach("g" + i)), new SplittableRandom(i));
        boxes.add(box);
        GroupMember m = i == 1 ? GroupMember.create(box, 0x7E1EC7, cfg) : GroupMember.join(box, 0x7E1EC7, cfg, 5 * SECOND);
        elections.add(new GroupElection(m, "g" + i, 10 * MS).start());
      }
      assertTrue(await(() -> elections.stream().allMatch(e -> e.leadership().leader().equals("g1")), 10 * SECOND));
      long first = elections.get(1).leadership().term();
      assertTrue(elections.get(0).leading());

      elections.get(0).member().leave(2 * SECOND);
      List<GroupElection> rest = elections.subList(1, 3);
      assertTrue(await(() -> rest.stream().allMatch(e -> e.leadership().leader().equals("g2")), 10 * SECOND),
          () -> "views " + rest.stream().map(GroupElection::leadership).toList());
      assertEquals(rest.get(0).leadership(), rest.get(1).leadership(), "the same term everywhere");
      assertTrue(rest.get(0).leadership().term() > first, "terms increase");
    } finally {
      elections.forEach(GroupElection::close);
      elections.forEach(e -> e.member().close());
      boxes.forEach(FlipBox::close);
    }
  }
}
