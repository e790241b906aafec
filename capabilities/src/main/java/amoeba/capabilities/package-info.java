/**
 * Amoeba capabilities: the 128-bit capability value (put-port, object, rights, check), ports and
 * the one-way function F, rights masks, the check scheme that makes capabilities unforgeable,
 * object tables for servers, the registries of command numbers and error codes, and the text
 * form (cap:...). Everything else depends on it; it depends on nothing.
 */
package amoeba.capabilities;
