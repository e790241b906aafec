package amoeba.ipc.group;

import java.util.SortedMap;

/**
 * A member's view of its group.
 *
 * @param memberId this member's id (-1 before joining)
 * @param state this member's state
 * @param members member id -> FLIP address, as of the accepted prefix
 * @param sequencerId the sequencer's member id
 * @param incarnation the installed incarnation (bumped by every reset)
 * @param lastSeq highest sequence number this member knows to exist
 * @param accepted highest sequence number that may be delivered
 * @param delivered highest sequence number handed to the application
 */
public record GroupInfo(
    int memberId,
    GroupMember.State state,
    SortedMap<Integer, Long> members,
    int sequencerId,
    int incarnation,
    long lastSeq,
    long accepted,
    long delivered) {}
