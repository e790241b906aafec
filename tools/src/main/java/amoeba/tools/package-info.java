/**
 * The amoeba command (picocli): every subcommand users type, the benchmarks, the launcher's main
 * class.
 */
package amoeba.tools;
