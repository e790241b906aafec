package amoeba.ipc.group;

/**
 * One delivered group message: its place in the total order, who sent it, and its bytes.
 *
 * @param seq the sequence number (1, 2, ... across incarnations, never reused)
 * @param senderId the sending member's id
 * @param msgId the sender's own message number (1, 2, ... per member id)
 */
public record GroupMessage(long seq, int senderId, long msgId, byte[] data) {}
