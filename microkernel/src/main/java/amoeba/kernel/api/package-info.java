/**
 * The Program API: what a program's jar compiles against. A program gets a {@link
 * amoeba.kernel.api.ProcessContext} and nothing else: its arguments, environment, standard
 * streams, the capabilities it was handed and the IPC primitives. It holds no ambient authority
 * over the pool.
 */
package amoeba.kernel.api;
