package amoeba.servers.coord;

/**
 * What a participant knows of a lock.
 *
 * @param held whether someone holds it (as far as the answering server knows)
 * @param holder who: a client label (central) or the holding board (ring, ricart); "" if free
 * @param fence the fence of the current or last grant
 * @param leaseLeftMillis central: lease time left; -1 where there are no leases
 * @param waiting clients queued (central) or local acquirers waiting (ring, ricart)
 * @param messages protocol messages this participant sent for this algorithm (all names)
 * @param entries critical-section entries granted by this participant (all names)
 */
public record LockStatus(
    boolean held, String holder, long fence, int leaseLeftMillis, int waiting, long messages,
    long entries) {}
