package amoeba.tools;

import amoeba.tools.bench.BootBench;
import amoeba.tools.bench.CapBench;
import amoeba.tools.bench.DirBench;
import amoeba.tools.bench.FlipBench;
import amoeba.tools.bench.GpioBench;
import amoeba.tools.bench.FsBench;
import amoeba.tools.bench.MigrateBench;
import amoeba.tools.bench.RpcBench;
import amoeba.tools.bench.RunBench;
import amoeba.tools.bench.GroupBench;
import amoeba.tools.bench.MqttBench;
import amoeba.tools.bench.MutexBench;
import picocli.CommandLine.Command;

/**
 * {@code amoeba bench NAME}: every benchmark measures a baseline and the thing itself in the
 * same run and prints ratios (a table, or one JSON object with {@code --json}).
 */
@Command(
    name = "bench",
    description = "Measure a layer beside its baseline, in the same run.",
    subcommands = {
      BootBench.class, CapBench.class, FlipBench.class, RpcBench.class, GroupBench.class,
      MqttBench.class, MigrateBench.class, RunBench.class, MutexBench.class, GpioBench.class, DirBench.class, FsBench.class
    })
final class BenchCommand {}
