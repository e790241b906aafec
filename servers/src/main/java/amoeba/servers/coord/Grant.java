package amoeba.servers.coord;

/**
 * A held lock. {@code fence} increases strictly with every grant of the same lock name, across
 * holders, crashes and token regenerations: a resource that remembers the highest fence it saw
 * refuses an older holder that wakes up after its lock was given to someone else.
 */
public record Grant(String name, long fence, Algorithm algorithm) {}
