/**
 * The kernel servers of every board, their command registries, client stubs, and how any pool
 * member derives a board's server ports and owner capabilities from the pool key.
 */
package amoeba.kernel.server;
