/**
 * Interprocess communication above FLIP: RPC (trans / getreq / putrep with at-most-once
 * semantics, locate and the port cache, the server framework) and totally ordered group
 * communication (sequencer, resilience, recovery).
 */
package amoeba.ipc;
