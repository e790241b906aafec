/**
 * Board definitions as data (Pi Zero 2 W, 3B+, 4B, 5, CM4, emulated), board detection, and
 * bring-up: which drivers and servers a board starts.
 */
package amoeba.boards;
