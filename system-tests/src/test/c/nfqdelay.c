/*
 * nfqdelay: the system tests' delay and reordering fault (the kernel here has no netem).
 *
 * Usage: nfqdelay QUEUE DELAY_MS JITTER_MS MAX_HELD SECONDS SEED NETNS
 *
 * Runs inside a test host's network namespace, where iptables sends that host's UDP packets to
 * NFQUEUE number QUEUE. Each packet is held DELAY_MS plus a uniform random 0..JITTER_MS (in
 * microsecond steps, from SEED) and then accepted; packets whose hold times cross are accepted
 * out of their arrival order, which is the reordering. At most MAX_HELD packets are held at
 * once; beyond that a packet is dropped and counted.
 *
 * Prints "ready" once bound, then "stats delayed=D reordered=R dropped=X held=H" when the
 * counters changed (at most every 100 ms) and once more when it ends. Ends by itself after
 * SECONDS (0: bind, print "ready" and end, a probe), when /run/netns/NETNS is gone (the host
 * was deleted), when its parent (the test JVM) is gone, or on SIGTERM/SIGINT; it accepts what
 * it still holds before it goes. The iptables rules use --queue-bypass, so once it is gone
 * packets pass undelayed.
 */
/* glibc's <arpa/inet.h> before the kernel headers, or their struct in_addr clash. */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/netfilter.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <libnetfilter_queue/libnetfilter_queue.h>

struct held {
  uint64_t release_us; /* monotonic time to accept it */
  uint64_t arrival;    /* arrival number, to count overtaken packets */
  uint32_t id;         /* the kernel's packet id */
};

/* A binary min-heap on release_us: the packet due first is at the top. */
static struct held *heap;
static int held_count;
static int max_held;

static uint64_t delay_us, jitter_us, rng_state;
static uint64_t arrivals, delayed, reordered, dropped, max_released_arrival;
static int anything_released;
static volatile sig_atomic_t stopping;

static uint64_t now_us(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (uint64_t)t.tv_sec * 1000000u + (uint64_t)t.tv_nsec / 1000u;
}

/* splitmix64: seeded, so a run's hold times follow from its seed. */
static uint64_t next_random(void) {
  uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

static void heap_push(struct held h) {
  int i = held_count++;
  while (i > 0) {
    int parent = (i - 1) / 2;
    if (heap[parent].release_us <= h.release_us) break;
    heap[i] = heap[parent];
    i = parent;
  }
  heap[i] = h;
}

static struct held heap_pop(void) {
  struct held top = heap[0];
  struct held last = heap[--held_count];
  int i = 0;
  for (;;) {
    int child = 2 * i + 1;
    if (child >= held_count) break;
    if (child + 1 < held_count && heap[child + 1].release_us < heap[child].release_us) child++;
    if (last.release_us <= heap[child].release_us) break;
    heap[i] = heap[child];
    i = child;
  }
  heap[i] = last;
  return top;
}

static void print_stats(void) {
  printf("stats delayed=%llu reordered=%llu dropped=%llu held=%d\n", (unsigned long long)delayed,
         (unsigned long long)reordered, (unsigned long long)dropped, held_count);
  fflush(stdout);
}

static int on_packet(struct nfq_q_handle *qh, struct nfgenmsg *msg, struct nfq_data *nfa,
                     void *unused) {
  (void)msg;
  (void)unused;
  struct nfqnl_msg_packet_hdr *ph = nfq_get_msg_packet_hdr(nfa);
  if (ph == NULL) return 0;
  uint32_t id = ntohl(ph->packet_id);
  if (held_count >= max_held) {
    dropped++;
    return nfq_set_verdict(qh, id, NF_DROP, 0, NULL);
  }
  uint64_t hold = delay_us + (jitter_us == 0 ? 0 : next_random() % (jitter_us + 1));
  struct held h = {now_us() + hold, arrivals++, id};
  heap_push(h);
  return 0;
}

/* Accepts every held packet due by `until` (all of them with UINT64_MAX). */
static void release_due(struct nfq_q_handle *qh, uint64_t until) {
  while (held_count > 0 && heap[0].release_us <= until) {
    struct held h = heap_pop();
    nfq_set_verdict(qh, h.id, NF_ACCEPT, 0, NULL);
    delayed++;
    if (anything_released && h.arrival < max_released_arrival) {
      reordered++; /* a packet that arrived later was accepted before this one */
    } else {
      max_released_arrival = h.arrival;
      anything_released = 1;
    }
  }
}

static void on_signal(int sig) {
  (void)sig;
  stopping = 1;
}

static int parse(const char *text, long long min, long long max, long long *out) {
  char *end;
  errno = 0;
  long long v = strtoll(text, &end, 10);
  if (errno != 0 || *end != '\0' || v < min || v > max) return -1;
  *out = v;
  return 0;
}

int main(int argc, char **argv) {
  long long queue, delay_ms, jitter_ms, held, seconds, seed;
  if (argc != 8 || parse(argv[1], 0, 65535, &queue) || parse(argv[2], 0, 60000, &delay_ms) ||
      parse(argv[3], 0, 60000, &jitter_ms) || parse(argv[4], 1, 1000000, &held) ||
      parse(argv[5], 0, 86400, &seconds) || parse(argv[6], -0x7fffffffffffffffLL - 1,
                                                   0x7fffffffffffffffLL, &seed) ||
      strchr(argv[7], '/') != NULL) {
    fprintf(stderr, "usage: nfqdelay QUEUE DELAY_MS JITTER_MS MAX_HELD SECONDS SEED NETNS\n");
    return 2;
  }
  delay_us = (uint64_t)delay_ms * 1000u;
  jitter_us = (uint64_t)jitter_ms * 1000u;
  max_held = (int)held;
  rng_state = (uint64_t)seed;
  heap = calloc((size_t)max_held, sizeof *heap);
  char netns_path[512];
  snprintf(netns_path, sizeof netns_path, "/run/netns/%s", argv[7]);
  pid_t parent = getppid();
  if (heap == NULL) {
    fprintf(stderr, "nfqdelay: out of memory\n");
    return 1;
  }

  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal; /* no SA_RESTART: poll returns EINTR and the loop ends */
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);

  struct nfq_handle *h = nfq_open();
  if (h == NULL) {
    fprintf(stderr, "nfqdelay: nfq_open: %s\n", strerror(errno));
    return 1;
  }
  nfq_bind_pf(h, AF_INET); /* needed on old kernels only; harmless elsewhere */
  struct nfq_q_handle *qh = nfq_create_queue(h, (uint16_t)queue, on_packet, NULL);
  if (qh == NULL) {
    fprintf(stderr, "nfqdelay: cannot bind queue %lld: %s\n", queue, strerror(errno));
    nfq_close(h);
    return 1;
  }
  if (nfq_set_mode(qh, NFQNL_COPY_META, 0) < 0) {
    fprintf(stderr, "nfqdelay: nfq_set_mode: %s\n", strerror(errno));
    nfq_destroy_queue(qh);
    nfq_close(h);
    return 1;
  }
  /* The kernel's queue is longer than ours, so our bound (and counter) decides drops. */
  nfq_set_queue_maxlen(qh, (uint32_t)max_held * 2u);
  int fd = nfq_fd(h);
  int rcvbuf = 4 << 20;
  setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof rcvbuf);

  printf("ready\n");
  fflush(stdout);

  uint64_t deadline = now_us() + (uint64_t)seconds * 1000000u;
  uint64_t last_print = 0, last_checks = 0;
  uint64_t printed_delayed = 0, printed_dropped = 0;
  char buf[65536];
  while (!stopping) {
    uint64_t now = now_us();
    if (now >= deadline) break;
    if (now - last_checks >= 100000u) { /* 100 ms: is the host or the test still there? */
      last_checks = now;
      struct stat st;
      if (stat(netns_path, &st) != 0 || getppid() != parent) break;
    }
    int timeout_ms = 100;
    if (held_count > 0) {
      uint64_t due = heap[0].release_us;
      timeout_ms = due <= now ? 0 : (int)((due - now + 999u) / 1000u);
      if (timeout_ms > 100) timeout_ms = 100;
    }
    struct pollfd p = {fd, POLLIN, 0};
    int ready = poll(&p, 1, timeout_ms);
    if (ready < 0 && errno != EINTR) {
      fprintf(stderr, "nfqdelay: poll: %s\n", strerror(errno));
      break;
    }
    if (ready > 0) {
      /* Bounded: at most 256 messages per wake-up, then release what is due. */
      for (int i = 0; i < 256; i++) {
        ssize_t n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
        if (n < 0) {
          if (errno == ENOBUFS) {
            dropped++; /* the kernel could not hand us packets; they are lost */
            continue;
          }
          break;
        }
        nfq_handle_packet(h, buf, (int)n);
      }
    }
    release_due(qh, now_us());
    now = now_us();
    if ((delayed != printed_delayed || dropped != printed_dropped) && now - last_print >= 100000u) {
      last_print = now;
      printed_delayed = delayed;
      printed_dropped = dropped;
      print_stats();
    }
  }
  release_due(qh, UINT64_MAX);
  print_stats();
  nfq_destroy_queue(qh);
  nfq_close(h);
  free(heap);
  return 0;
}
