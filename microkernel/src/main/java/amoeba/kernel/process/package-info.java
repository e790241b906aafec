/** Processes of one board: program loading, thread groups, standard streams, exit and kill. */
package amoeba.kernel.process;
