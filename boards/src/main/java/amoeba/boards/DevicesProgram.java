package amoeba.boards;

import amoeba.capabilities.Capability;
import amoeba.capabilities.CheckScheme;
import amoeba.capabilities.NeedsServerException;
import amoeba.drivers.DeviceRights;
import amoeba.drivers.DeviceServer;
import amoeba.drivers.DeviceSpec;
import amoeba.drivers.hal.Hal;
import amoeba.drivers.pi4j.Pi4jHal;
import amoeba.drivers.sim.SimulatedHal;
import amoeba.kernel.api.ProcessContext;
import amoeba.kernel.api.Program;
import amoeba.servers.directory.DirectoryClient;
import amoeba.servers.directory.Publisher;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The system program "devices": a board's device server. Arguments: {@code [--config FILE]
 * [--board ID]}. Without a configuration an emulated board exposes the default devices (led,
 * button, fan, i2c1, temp, adc; see {@link BringUp#emulatedDefault}); the board is detected
 * unless named. An emulated board gets the simulated HAL (Pi4J mock + emulated peripherals, a
 * TMP102 at every configured tmp102 address), a real one the Pi4J HAL (gpiod + linuxfs).
 */
public final class DevicesProgram implements Program {
  /** How often claims held by processes are checked (STATUS to their process server). */
  static final long REAP_INTERVAL_NANOS = 1_000_000_000L;

  @Override
  public int run(ProcessContext ctx) throws Exception {
    List<String> args = ctx.args();
    String boardId = null;
    Path config = null;
    for (int i = 0; i < args.size(); i++) {
      String a = args.get(i);
      if ((a.equals("--config") || a.equals("--board")) && i + 1 < args.size()) {
        if (a.equals("--config")) {
          config = Path.of(args.get(++i));
        } else {
          boardId = args.get(++i);
        }
      } else {
        ctx.stderr().println("devices: usage: devices [--config FILE] [--board ID]; got '" + a + "'");
        return 2;
      }
    }
    BringUp bringUp;
    try {
      BoardDefinition board = Boards.detect(Boards.DEVICE_TREE_MODEL, boardId).board();
      if (config == null) {
        if (!board.id().equals("emulated")) {
          ctx.stderr().println("devices: a " + board.id() + " needs --config FILE naming its devices");
          return 2;
        }
        bringUp = BringUp.emulatedDefault();
      } else {
        bringUp = BringUp.parse(Files.readString(config), board);
      }
    } catch (IOException e) {
      ctx.stderr().println("devices: cannot read " + config + ": " + e.getMessage());
      return 2;
    } catch (IllegalArgumentException e) {
      ctx.stderr().println("devices: " + (config == null ? "" : config + " ") + e.getMessage());
      return 2;
    }
    Publisher dev = devPublisher(ctx, bringUp.devices());
    Thread publishing = new Thread(() -> {
      try {
        dev.enterRetrying();
      } catch (InterruptedException e) {
        // stopped before the directory answered
      }
    }, "publish-dev-" + ctx.board());
    publishing.setDaemon(true);
    try {
      return DeviceServer.run(ctx, hal(bringUp), bringUp.devices(), REAP_INTERVAL_NANOS, s -> publishing.start());
    } finally {
      publishing.interrupt();
      Thread.interrupted(); // stopping: clear it so the withdrawing trans are not aborted
      dev.withdraw();
    }
  }

  /**
   * /dev/BOARD/DEVICE for each device: the board's device server capability, restricted to
   * CLAIM and READ (a program claims the device by its name there; the claim is the owner's).
   */
  static Publisher devPublisher(ProcessContext ctx, List<DeviceSpec> devices) {
    Capability server = ctx.authority().owner(DeviceServer.SERVICE, ctx.board());
    Capability claimOnly;
    try {
      claimOnly = new CheckScheme(new SecureRandom()).restrict(server, DeviceRights.CLAIM | DeviceRights.READ);
    } catch (NeedsServerException e) {
      throw new IllegalStateException("an owner capability restricts locally", e);
    }
    Map<String, Capability> rows = new LinkedHashMap<>();
    for (DeviceSpec d : devices) {
      rows.put(d.name(), claimOnly);
    }
    return new Publisher(new DirectoryClient(ctx.root(), ctx.ipc(), 5_000_000_000L), "/dev/" + ctx.board(), rows);
  }

  /** The HAL for a brought-up board. */
  public static Hal hal(BringUp bringUp) {
    if (!bringUp.board().id().equals("emulated")) {
      return Pi4jHal.onPi(bringUp.board().pwmChip());
    }
    SimulatedHal sim = new SimulatedHal(System::nanoTime, new SecureRandom());
    for (DeviceSpec d : bringUp.devices()) {
      if (d.kind() == DeviceSpec.Kind.TMP102) {
        sim.attachTmp102(d.bus(), d.address());
      }
    }
    return sim;
  }
}
