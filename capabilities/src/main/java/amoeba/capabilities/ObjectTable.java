package amoeba.capabilities;

import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A server's objects by number, each with its secret R: hands out owner capabilities and turns
 * capabilities back into objects after checking them. Check everything, then act: {@link
 * #lookup} validates port, object, check and rights before the caller touches the object.
 *
 * <p>Order of checks, and the error each gives: a port other than the table's put-port, or a
 * check that does not validate (forged, restricted by someone without R, or revoked) is CAPBAD;
 * an object number not in use is NO_SUCH_OBJECT (object numbers are not secret, so this tells a
 * prober nothing the number did not); a valid capability without the required rights is DENIED.
 *
 * <p>Object numbers are 24 bits, handed out round-robin so a freed number is reused as late as
 * possible; a reused number always gets a fresh secret, so capabilities for the old object
 * never work on the new one.
 *
 * <p>Safe for concurrent use without a global lock: entries live in a ConcurrentHashMap, are
 * immutable but for a memo, and revoke swaps the whole entry atomically. A lookup racing a
 * revoke sees either the old or the new secret, as if it ran just before or just after.
 *
 * @param <T> the server's object type
 */
public final class ObjectTable<T> {
  private final Port port;
  private final CheckScheme scheme;
  private final ConcurrentHashMap<Integer, Entry<T>> entries = new ConcurrentHashMap<>();
  private final AtomicInteger nextObject = new AtomicInteger();
  private final int capacity;

  /**
   * A table using all 2^24 object numbers.
   *
   * @param putPort the server's put-port, which every capability of this table carries
   * @param scheme draws the secrets; its RandomGenerator must be thread-safe if the table is
   *     used from several threads (SecureRandom is)
   */
  public ObjectTable(Port putPort, CheckScheme scheme) {
    this(putPort, scheme, Capability.MAX_OBJECT + 1);
  }

  /**
   * A table using object numbers 0..capacity-1 only, for servers that bound their memory: an
   * allocation beyond it is NOSPACE.
   */
  public ObjectTable(Port putPort, CheckScheme scheme, int capacity) {
    this.port = Objects.requireNonNull(putPort, "putPort");
    this.scheme = Objects.requireNonNull(scheme, "scheme");
    if (putPort.isNull()) {
      throw new IllegalArgumentException("a table needs a real put-port, not NULL");
    }
    if (capacity < 1 || capacity > Capability.MAX_OBJECT + 1) {
      throw new IllegalArgumentException("capacity is 1..2^24, was " + capacity);
    }
    this.capacity = capacity;
  }

  /** The server's put-port. */
  public Port port() {
    return port;
  }

  public int size() {
    return entries.size();
  }

  /**
   * Adds an object under a free number with a fresh secret.
   *
   * @return its owner capability
   * @throws CapabilityException NOSPACE if every number is in use
   */
  public Capability allocate(T value) throws CapabilityException {
    Entry<T> entry = new Entry<>(Objects.requireNonNull(value, "value"), scheme.newSecret());
    if (entries.size() < capacity) {
      // Under contention some tries find numbers others just took; capacity tries visit every
      // number once, so a free one is found unless the table filled up meanwhile.
      for (int tries = 0; tries < capacity; tries++) {
        int object = Math.floorMod(nextObject.getAndIncrement(), capacity);
        if (entries.putIfAbsent(object, entry) == null) {
          return CheckScheme.owner(port, object, entry.secret);
        }
      }
    }
    throw new CapabilityException(
        ErrorCode.NOSPACE, "all " + capacity + " object numbers are in use");
  }

  /**
   * Adds an object under a chosen number with a given secret: for a server's well-known objects
   * whose owner capability is derived from boot configuration (e.g. {@link
   * CheckScheme#bootstrapSecret}) rather than drawn. {@link #allocate} skips numbers in use.
   *
   * @return its owner capability
   * @throws CapabilityException EXISTS if the number is in use
   */
  public Capability install(int object, T value, long secret) throws CapabilityException {
    if (object < 0 || object >= capacity) {
      throw new IllegalArgumentException("object number is 0.." + (capacity - 1) + ": " + object);
    }
    if ((secret & CheckScheme.SECRET_MASK) == 0) {
      throw new IllegalArgumentException("a secret is 48 bits, never 0");
    }
    Entry<T> entry = new Entry<>(Objects.requireNonNull(value, "value"), secret & CheckScheme.SECRET_MASK);
    if (entries.putIfAbsent(object, entry) != null) {
      throw new CapabilityException(ErrorCode.EXISTS, "object " + object + " is in use");
    }
    return CheckScheme.owner(port, object, entry.secret);
  }

  /**
   * The object {@code cap} names, if it validates and holds every bit of {@code required}.
   *
   * @throws CapabilityException CAPBAD, NO_SUCH_OBJECT or DENIED (see the class comment)
   */
  public T lookup(Capability cap, int requiredRights) throws CapabilityException {
    Entry<T> entry = validEntry(cap);
    if (!cap.has(requiredRights)) {
      throw new CapabilityException(
          ErrorCode.DENIED,
          "the capability has rights " + Rights.toLetters(cap.rights()) + ", this needs "
              + Rights.toLetters(requiredRights & Rights.ALL));
    }
    return entry.value;
  }

  /**
   * The same checks as {@link #lookup} as a status, without an exception: OK or the error.
   * For paths that only gate on a capability, and for counting refusals cheaply.
   */
  public ErrorCode status(Capability cap, int requiredRights) {
    if (!cap.port().equals(port)) {
      return ErrorCode.CAPBAD;
    }
    Entry<T> entry = entries.get(cap.object());
    if (entry == null) {
      return ErrorCode.NO_SUCH_OBJECT;
    }
    if (!valid(entry, cap)) {
      return ErrorCode.CAPBAD;
    }
    return cap.has(requiredRights) ? ErrorCode.OK : ErrorCode.DENIED;
  }

  /**
   * Server-side STD_RESTRICT: a capability for the same object with rights {@code cap.rights()
   * & mask}. Works for any valid capability, owner or not.
   */
  public Capability restrict(Capability cap, int mask) throws CapabilityException {
    Rights.checkRange(mask);
    Entry<T> entry = validEntry(cap);
    int rights = cap.rights() & mask;
    return new Capability(port, cap.object(), rights, scheme.check(entry.secret, rights));
  }

  /**
   * Draws a new secret for the object: every capability made from the old one, the owner's
   * included, stops validating.
   *
   * @return the new owner capability
   * @throws CapabilityException CAPBAD if {@code owner} is not valid (e.g. revoked meanwhile),
   *     DENIED if it is not an owner capability
   */
  public Capability revoke(Capability owner) throws CapabilityException {
    Entry<T> old = validEntry(owner);
    if (!owner.isOwner()) {
      throw new CapabilityException(ErrorCode.DENIED, "only the owner capability can revoke");
    }
    Entry<T> fresh = new Entry<>(old.value, scheme.newSecret());
    // Replace only the entry we validated against: a concurrent revoke or remove wins and
    // this capability is stale.
    if (!entries.replace(owner.object(), old, fresh)) {
      throw new CapabilityException(ErrorCode.CAPBAD, "the object was revoked or removed meanwhile");
    }
    return CheckScheme.owner(port, owner.object(), fresh.secret);
  }

  /**
   * Removes the object; its number may be reused later, with a new secret.
   *
   * @return the removed object
   * @throws CapabilityException CAPBAD, NO_SUCH_OBJECT, or DENIED without the DELETE right
   */
  public T remove(Capability cap) throws CapabilityException {
    Entry<T> entry = validEntry(cap);
    if (!cap.has(Rights.DELETE)) {
      throw new CapabilityException(ErrorCode.DENIED, "removing an object needs the DELETE right");
    }
    if (!entries.remove(cap.object(), entry)) {
      throw new CapabilityException(ErrorCode.CAPBAD, "the object was revoked or removed meanwhile");
    }
    return entry.value;
  }

  private Entry<T> validEntry(Capability cap) throws CapabilityException {
    if (!cap.port().equals(port)) {
      throw new CapabilityException(ErrorCode.CAPBAD, "the capability is for another server");
    }
    Entry<T> entry = entries.get(cap.object());
    if (entry == null) {
      throw new CapabilityException(ErrorCode.NO_SUCH_OBJECT, "no object " + cap.object());
    }
    if (!valid(entry, cap)) {
      throw new CapabilityException(ErrorCode.CAPBAD);
    }
    return entry;
  }

  private boolean valid(Entry<T> entry, Capability cap) {
    if (cap.isOwner()) {
      return CheckScheme.constantTimeEquals(entry.secret, cap.check());
    }
    Memo memo = entry.memo;
    long expected;
    if (memo != null && memo.rights == cap.rights()) {
      expected = memo.check;
    } else {
      expected = scheme.check(entry.secret, cap.rights());
      // Benign race: every writer stores a value derived from this entry's secret, and a
      // revoke replaces the entry, memo and all.
      entry.memo = new Memo(cap.rights(), expected);
    }
    return CheckScheme.constantTimeEquals(expected, cap.check());
  }

  /** The last restricted check computed for an object, so a capability used again skips the HMAC. */
  private record Memo(int rights, long check) {}

  private static final class Entry<T> {
    final T value;
    final long secret;
    volatile Memo memo;

    Entry(T value, long secret) {
      this.value = value;
      this.secret = secret;
    }
  }
}
