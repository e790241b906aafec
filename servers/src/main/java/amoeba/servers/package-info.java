/**
 * The user-space system servers: bullet (immutable files), directory (the replicated namespace),
 * run (places programs on the pool), boot (keeps services alive) and coordination (locks, leader
 * election).
 */
package amoeba.servers;
