package amoeba.servers.coord.elect;

/**
 * Who leads an election group, as one participant knows it.
 *
 * @param leader the leader's name; "" while none is known
 * @param term increases strictly with every change of leader (the leader's fencing token)
 */
public record Leadership(String leader, long term) {
  public static final Leadership NONE = new Leadership("", 0);
}
