package amoeba.tools;

import picocli.CommandLine.Command;

/** {@code amoeba cap ...}: make, inspect and restrict capabilities. */
@Command(name = "cap", description = "Make, inspect and restrict capabilities.", subcommands = {})
final class CapCommand {}
