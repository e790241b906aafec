/**
 * The kernel of one board JVM: it owns the FLIP box and the IPC layers, runs programs (jars
 * implementing the Program API) in their own class loaders or child JVMs, and serves the process
 * server and sys server.
 */
package amoeba.kernel;
