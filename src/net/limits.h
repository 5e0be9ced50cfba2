/* Limits every worker of a server shares: the descriptor budget and TCP connections per
 * source. Internal to net/; thread-safe (atomics, and a mutex around the per-source table,
 * taken once per accepted and per closed connection).
 *
 * Descriptors: the server's own (listeners, event bases, notify queues, the log... counted
 * when the workers start), TCP connections and relay sockets all come out of
 * RLIMIT_NOFILE (L). Over budget, a TCP connection is closed as soon as it is accepted and
 * an Allocate is answered 508 (RFC 8656 §7.2 step 8):
 *   - TCP connections stop while the descriptors in use reach L - reserve, where reserve =
 *     max(NET_FD_RESERVE_MIN, L / 4): idle connections can not take the descriptors relay
 *     sockets and the server need;
 *   - relay sockets stop while the descriptors in use reach L - NET_FD_SPARE: the last
 *     few stay for the server's own needs (reopening the log, reconnecting to Redis). */
#ifndef TERN_NET_LIMITS_H
#define TERN_NET_LIMITS_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "base/addr.h"

#define NET_FD_RESERVE_MIN 64
#define NET_FD_SPARE	   16

struct net_srcmap;

/* A condition reported once when it starts and once when it ends (log lines). */
struct net_episode {
	atomic_bool on;
	atomic_ulong count; /* failures within the current episode */
};

struct net_limits {
	long limit;	      /* RLIMIT_NOFILE (soft) when the workers started */
	long reserve;	      /* kept from TCP connections */
	long base;	      /* descriptors open when the workers started */
	atomic_long tcp;      /* open TCP connections */
	atomic_long relays;   /* open relay sockets (reservations included) */
	unsigned per_src;     /* TCP connections per source; 0 = no limit */
	pthread_mutex_t lock; /* around src */
	struct net_srcmap *src;
	struct net_episode relay_short, tcp_short;
};

/* For at most max_tcp connections at once in total, per_src per source (0: no limit).
 * 0 or -ENOMEM. */
int net_limits_new(size_t max_tcp, unsigned per_src, struct net_limits **out);
/* Takes l (NULL is fine). */
void net_limits_free(struct net_limits *l);
/* Reads RLIMIT_NOFILE and counts the descriptors already open (the server's own): call
 * once, before the workers start. Logs the budget. */
void net_limits_start(struct net_limits *l);
/* Counts a TCP connection from src (NULL: not counted per source, for a connection from a
 * trusted proxy whose client is known only from its PROXY header). 0, -EMFILE (descriptor
 * reserve reached) or -EDQUOT (src has per_src connections). */
int net_limits_tcp_take(struct net_limits *l, const struct addr *src);
/* Gives back what net_limits_tcp_take took (the same src, or NULL). */
void net_limits_tcp_put(struct net_limits *l, const struct addr *src);
/* Counts / gives back only the per-source part (a proxied client, once its header is
 * read). 0, -EDQUOT or -EMFILE. */
int net_limits_src_take(struct net_limits *l, const struct addr *src);
void net_limits_src_put(struct net_limits *l, const struct addr *src);
/* Counts n relay sockets about to be opened. 0 or -EMFILE (over budget). */
int net_limits_relay_take(struct net_limits *l, int n);
void net_limits_relay_put(struct net_limits *l, int n);

/* Starts the episode: true for the failure that starts it (the caller logs). */
bool net_episode_fail(struct net_episode *e);
/* Ends it: true for the success that ends it (the caller logs, with *failures, the count
 * of failures it had). */
bool net_episode_ok(struct net_episode *e, unsigned long *failures);

#endif
