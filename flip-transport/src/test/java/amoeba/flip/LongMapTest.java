package amoeba.flip;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** LongMap behaves like a HashMap under random puts, removes and conditional operations. */
class LongMapTest {
  @Test
  void agreesWithHashMapUnderRandomOperations() {
    SplittableRandom random = new SplittableRandom(11);
    LongMap<String> map = new LongMap<>();
    Map<Long, String> model = new HashMap<>();
    for (int step = 0; step < 50_000; step++) {
      long key = random.nextInt(500) * 0x10000_0001L; // collisions in low bits on purpose
      String value = "v" + random.nextInt(3);
      switch (random.nextInt(5)) {
        case 0 -> assertEquals(model.put(key, value), map.put(key, value));
        case 1 -> assertEquals(model.putIfAbsent(key, value), map.putIfAbsent(key, value));
        case 2 -> assertEquals(model.remove(key), map.remove(key));
        case 3 -> {
          String current = model.get(key);
          boolean expected = current != null && current.equals(value);
          if (expected) {
            model.remove(key);
          }
          // remove(key, expected) compares identity: use the instance the map holds
          assertEquals(expected, map.remove(key, expected ? map.get(key) : value + "x"));
        }
        default -> assertEquals(model.get(key), map.get(key));
      }
      assertEquals(model.size(), map.size());
    }
    Map<Long, String> seen = new HashMap<>();
    map.forEach(seen::put);
    assertEquals(model, seen);
  }
}
