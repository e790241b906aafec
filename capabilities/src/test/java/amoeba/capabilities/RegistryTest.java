package amoeba.capabilities;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Wire numbers are a contract with every other version: these pins may only grow. */
class RegistryTest {
  @Test
  void standardCommandNumbersArePinned() {
    Map<StdCommand, Integer> pinned =
        Map.ofEntries(
            Map.entry(StdCommand.STD_MONITOR, 1000),
            Map.entry(StdCommand.STD_AGE, 1001),
            Map.entry(StdCommand.STD_COPY, 1002),
            Map.entry(StdCommand.STD_DESTROY, 1003),
            Map.entry(StdCommand.STD_INFO, 1004),
            Map.entry(StdCommand.STD_RESTRICT, 1005),
            Map.entry(StdCommand.STD_STATUS, 1006),
            Map.entry(StdCommand.STD_TOUCH, 1007),
            Map.entry(StdCommand.STD_GETPARAMS, 1008),
            Map.entry(StdCommand.STD_SETPARAMS, 1009),
            Map.entry(StdCommand.STD_NTOUCH, 1010),
            Map.entry(StdCommand.STD_REVOKE, 1011));
    assertEquals(pinned.size(), StdCommand.values().length);
    pinned.forEach((c, n) -> {
      assertEquals(n, c.code(), c.name());
      assertEquals(Optional.of(c), StdCommand.fromCode(n));
    });
    for (int n : new int[] {-1, 0, 999, 1012, 1999, 2000, Integer.MIN_VALUE, Integer.MAX_VALUE}) {
      assertEquals(Optional.empty(), StdCommand.fromCode(n), "code " + n);
    }
  }

  @Test
  void serverBlocksArePinnedAndDisjoint() {
    Map<ServerBlock, Integer> pinned =
        Map.of(
            ServerBlock.BULLET, 2000, ServerBlock.DIRECTORY, 2100, ServerBlock.VDISK, 2200,
            ServerBlock.PROCESS, 2300, ServerBlock.TOD, 2400, ServerBlock.RUN, 2500,
            ServerBlock.BOOT, 2600, ServerBlock.COORDINATION, 2700, ServerBlock.DEVICES, 2800,
            ServerBlock.SYS, 2900);
    assertEquals(pinned.size(), ServerBlock.values().length);
    pinned.forEach((b, n) -> {
      assertEquals(n, b.first(), b.name());
      assertEquals(n + 99, b.last());
      assertEquals(Optional.of(b), ServerBlock.forCommand(n));
      assertEquals(Optional.of(b), ServerBlock.forCommand(n + 99));
    });
    assertEquals(Optional.empty(), ServerBlock.forCommand(1005));
    assertEquals(Optional.empty(), ServerBlock.forCommand(3000));
    assertTrue(ServerBlock.RUN.description().contains("ours"));
  }

  @Test
  void errorNumbersArePinnedUniqueAndInTheirRanges() {
    Map<ErrorCode, Integer> pinned =
        Map.ofEntries(
            Map.entry(ErrorCode.OK, 0),
            Map.entry(ErrorCode.NOTFOUND, -1),
            Map.entry(ErrorCode.FAILURE, -2),
            Map.entry(ErrorCode.ABORTED, -3),
            Map.entry(ErrorCode.BADADDRESS, -4),
            Map.entry(ErrorCode.TRYAGAIN, -5),
            Map.entry(ErrorCode.OVERFLOW, -6),
            Map.entry(ErrorCode.CAPBAD, -1000),
            Map.entry(ErrorCode.COMMAND_UNKNOWN, -1001),
            Map.entry(ErrorCode.BADPARAM, -1002),
            Map.entry(ErrorCode.NOTNOW, -1003),
            Map.entry(ErrorCode.NOSPACE, -1004),
            Map.entry(ErrorCode.DENIED, -1005),
            Map.entry(ErrorCode.NOMEM, -1006),
            Map.entry(ErrorCode.EXISTS, -1007),
            Map.entry(ErrorCode.NO_SUCH_OBJECT, -1008),
            Map.entry(ErrorCode.SYSERR, -1009),
            Map.entry(ErrorCode.INTERRUPTED, -1010));
    assertEquals(pinned.size(), ErrorCode.values().length);
    Set<Integer> numbers = new HashSet<>();
    for (ErrorCode e : ErrorCode.values()) {
      assertEquals(pinned.get(e), e.code(), e.name());
      assertTrue(numbers.add(e.code()), "duplicate " + e.code());
      assertEquals(Optional.of(e), ErrorCode.fromCode(e.code()));
      assertFalse(e.message().isBlank());
      assertTrue(e.code() <= 0);
      assertEquals(e.code() < 0 && e.code() > -1000, e.isRpcLevel(), e.name());
      assertTrue(e.code() == 0 || e.code() > -1000 || e.code() <= -1000 && e.code() > -2000);
    }
    assertEquals(Optional.empty(), ErrorCode.fromCode(-999));
    assertEquals(Optional.empty(), ErrorCode.fromCode(1));
    assertTrue(ErrorCode.CAPBAD.describe().startsWith("CAPBAD (-1000): "));
  }
}
