/*
 * turnload — TURN load generator for scripts/bench.sh (modes relay, alloc,
 * hold, soak). Shared declarations of its files:
 *
 *   turnload.c  options, main, the alloc and hold modes, reporting
 *   tl_sess.c   client sessions: sockets and the TURN control transactions
 *               (Allocate with long-term auth, ChannelBind, CreatePermission,
 *               Refresh)
 *   tl_relay.c  the relay mode: setup and the throughput phase (tl_relay.h)
 *   tl_rtt.c    the relay mode's round-trip phase
 *   tl_soak.c   the soak mode: churn, relaying and refreshes for minutes,
 *               the server's VmRSS and descriptors sampled
 *   tl_proc.c   clocks and /proc sampling of the server
 *   tl_stun.c   the STUN codec
 *   tl_tls.c, tl_tlsrelay.c  the tls-relay, tls-alloc and tls-hold modes:
 *               TURN over TLS (tl_tls.h)
 *
 * Single-threaded; Linux only (epoll, recvmmsg, sendmmsg).
 */
#ifndef TURNLOAD_H
#define TURNLOAD_H

#include "tl_stun.h"

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

#define TL_MAX_SESSIONS	  20000
#define TL_MAX_DURATION_S 60
#define TL_MAX_PAYLOAD	  1400
#define TL_MIN_PAYLOAD	  32
#define TL_MAX_SIZES	  4
#define TL_MAX_TARGETS	  3 /* relay: servers measured side by side in one run */
#define TL_MAX_POLL_CPUS  8
#define TL_MAX_CPU_PIDS	  8
#define TL_MAX_TRIES	  5
#define TL_CTL_WINDOW	  256 /* requests in flight when starting or releasing many */
/* Client source ports: the kernel's default ephemeral range. Servers'
 * relay ports must lie outside it (scripts/bench.sh uses 12000-31999). */
#define TL_PORT_FIRST 32768
#define TL_PORT_LAST  60999

/* epoll tags: kind in the high half of data.u64, index in the low half. */
#define TL_EV_SESS     1u
#define TL_EV_PEER     2u
#define TL_EV(kind, i) ((uint64_t)(kind) << 32 | (uint32_t)(i))

enum tl_mode {
	TL_MODE_RELAY,
	TL_MODE_ALLOC,
	TL_MODE_HOLD,
	TL_MODE_SOAK,
	TL_MODE_TLS_RELAY, /* the same three over TLS-over-TCP (tl_tls.h) */
	TL_MODE_TLS_ALLOC,
	TL_MODE_TLS_HOLD,
};

/* soak: bounds of its own (it runs for minutes, not seconds). */
#define TL_SOAK_MAX_S 7200

/* relay: one server measured in the run (--target). */
struct tl_target {
	char name[16];
	int port;
	int pid;
	int relay_port; /* > 0: a bare forwarder with relay ports from here */
};

struct tl_opts {
	enum tl_mode mode;
	const char *host;
	int port;
	struct tl_cred cred;
	int sessions; /* allocations (relay, hold) or in flight (alloc) */
	int sizes[TL_MAX_SIZES];
	int nsizes;
	double duration_s; /* each measured phase */
	int warmup_ms;
	int window;   /* relay: datagrams in flight per direction, in total */
	int rtt_rate; /* relay: packets/s of the round-trip phase; 0 = none */
	double rtt_secs;
	int cycles;	  /* alloc: stop after this many; hold: cycles after the hold */
	int cycle_window; /* hold: sessions cycling at once */
	int lifetime;	  /* LIFETIME requested, seconds */
	int timeout_ms;	  /* retransmission timeout of a request */
	bool bare;	  /* relay: the target is tests/bench/forward, no STUN */
	int relay_port;	  /* bare: the forwarder's first relay port */
	int pid;	  /* server to sample, or 0 */
	int core;	  /* CPU whose busy share to report, or -1 */
	const char *name; /* relay: the target's name in the output */
	struct tl_target tgt[TL_MAX_TARGETS]; /* relay: --target, taken in turn */
	int ntgt;
	int slice_ms;			/* relay: time a target holds the load in one turn */
	int rtt_turn_ms;		/* relay: the same in the round-trip phase */
	int poll_cpu[TL_MAX_POLL_CPUS]; /* relay: CPUs kept out of halt in the */
	int npoll;			/* round-trip phase (--poll-idle) */
	/* soak (tl_soak.c); o.duration_s is the whole soak, o.sessions the relayers */
	int soak_warmup_s; /* RSS growth is measured from the end of this */
	int interval_s;	   /* a sample line every this many seconds */
	int rate;	   /* datagrams/s each way over all relayers */
	int churners;	   /* sessions allocating and freeing */
	int churn_rate;	   /* allocation cycles started per second */
	int abandon_pct;   /* cycles left to expire instead of freed */
	int refresh_s;	   /* a relayer's CreatePermission/ChannelBind/Refresh */
	int drain_s;	   /* after the load: at most this long for the fds */
	bool tls12;	   /* tls modes: offer TLS 1.2 only */
	bool tls_resume;   /* tls-alloc: resume the first session (tickets) */
	/* relay: peer sockets in another network namespace (bench.sh xdp) */
	const char *peer_netns;	       /* path of the namespace (/var/run/netns/NAME), or NULL */
	const char *peer_ip;	       /* address the peer sockets bind; NULL: the server's */
	const char *client_ip;	       /* address the client sockets bind; NULL: the server's */
	int cpu_pids[TL_MAX_CPU_PIDS]; /* more tasks whose CPU time counts as the server's */
	int ncpu_pids;		       /* (the NAPI threads of its interfaces) */
};

enum tl_state {
	TL_ST_IDLE,    /* no transaction; allocation state in has_alloc */
	TL_ST_ALLOC0,  /* Allocate without credentials sent, 401 expected */
	TL_ST_ALLOC1,  /* authenticated Allocate sent */
	TL_ST_BIND,    /* ChannelBind sent */
	TL_ST_FREE,    /* Refresh LIFETIME 0 sent */
	TL_ST_PERM,    /* CreatePermission sent */
	TL_ST_REFRESH, /* Refresh with o.lifetime sent */
	TL_ST_FAILED,  /* gave up; see tl counters */
};

/* What a session does when its current transaction completes. */
enum tl_goal {
	TL_GOAL_ALLOC,	 /* allocate, then stop */
	TL_GOAL_CHANNEL, /* allocate and bind channel 0x4000+idx to peer */
	TL_GOAL_CYCLE,	 /* allocate, free, repeat while tl.cycling */
	TL_GOAL_CHURN,	 /* allocate, CreatePermission for peer and nextra more,
			  * bind a channel to peer, then free (or, with abandon,
			  * leave the allocation to expire); once, from a new
			  * socket afterwards */
	TL_GOAL_KEEP,	 /* refresh: CreatePermission for peer and nextra more,
			  * then ChannelBind again, then Refresh o.lifetime */
};

/* One client 5-tuple: a connected UDP socket, at most one transaction in
 * flight and at most one allocation. */
struct tl_sess {
	int fd;
	uint32_t idx;
	uint8_t state;
	uint8_t goal;
	uint8_t tries;
	bool has_alloc;
	bool abandon;	/* TL_GOAL_CHURN: leave the allocation to expire */
	uint8_t nextra; /* CreatePermission: addresses from extra on */
	uint8_t nonce_len;
	uint64_t sent_ms;
	uint64_t alloc1_ns; /* when the authenticated Allocate was first sent */
	struct sockaddr_in relayed;
	struct sockaddr_in peer;  /* TL_GOAL_CHANNEL, _CHURN, _KEEP */
	struct sockaddr_in extra; /* the first of nextra more permissions, the
				   * others following it (last byte + 1) */
	uint8_t nonce[TL_NONCE_MAX];
	struct tl_msg req;
};

struct tl_counts {
	uint64_t allocs;     /* authenticated Allocate successes */
	uint64_t frees;	     /* Refresh 0 successes */
	uint64_t cycles;     /* TL_GOAL_CYCLE rounds completed */
	uint64_t errors;     /* error responses other than 401/438 */
	uint64_t timeouts;   /* retransmissions */
	uint64_t failed;     /* sessions given up */
	uint64_t mismatches; /* 437 to Allocate: retried from a new socket */
	uint64_t abandoned;  /* TL_GOAL_CHURN allocations left to expire */
	uint64_t keeps;	     /* TL_GOAL_KEEP refreshes completed */
	int last_code;	     /* last unexpected error code seen */
};

struct tl {
	struct tl_opts o;
	struct tl_sess *sess; /* o.sessions entries */
	int nsess;
	int epfd;
	int busy;     /* sessions with a transaction in flight */
	bool cycling; /* TL_GOAL_CYCLE sessions start another round */
	uint64_t last_scan_ms;
	int next_port; /* source port cursor, TL_PORT_FIRST..TL_PORT_LAST */
	uint64_t rng;
	struct sockaddr_in server;
	struct in_addr client_ip; /* the sessions' source address */
	struct tl_counts c;
	/* Authenticated Allocate to its success, in microseconds (alloc mode): the first
	 * TL_LAT_MAX since nlat was last reset. */
	uint32_t *lat_us;
	size_t nlat;
};

#define TL_LAT_MAX (1u << 20)

/* Snapshot of the process counters around a measured interval. */
struct tl_snap {
	uint64_t ns;
	double server_cpu;
	double self_cpu;
	uint64_t core_busy, core_total;
};

/* turnload.c: t->o = *o and everything else fresh (sockets, epoll, random
 * source); salt tells apart several tl made at once. */
int tl_init(struct tl *t, const struct tl_opts *o, unsigned salt);

/* tl_proc.c */
uint64_t tl_now_ns(void);
static inline uint64_t tl_now_ms(void)
{
	return tl_now_ns() / 1000000;
}
void tl_snap_take(const struct tl *t, struct tl_snap *s);
/* Returns the figures of the interval a..b in *secs, *server_cpu (-1 if
 * unknown), *self_cpu and *busy (share of the core, -1 if unknown). */
void tl_snap_diff(const struct tl_snap *a, const struct tl_snap *b, double *secs,
		  double *server_cpu, double *self_cpu, double *busy);
uint64_t tl_rand(struct tl *t);
/* Starts a SCHED_IDLE spinning thread on each CPU (see tl_proc.c); 0 or -errno. */
int tl_idlepoll_start(const int *cpus, int n);
void tl_idlepoll_stop(void);

/* tl_sess.c */
int tl_sess_open_all(struct tl *t, int n);
void tl_sess_start(struct tl *t, struct tl_sess *s, enum tl_goal goal);
void tl_sess_release(struct tl *t, struct tl_sess *s);
/* A new socket (a new source port) for s, whose allocation if any is left
 * behind; 0 or -errno. */
int tl_sess_reopen(struct tl *t, struct tl_sess *s);
/* s (idle, with an allocation and its channel): TL_GOAL_KEEP with s->peer
 * and nextra addresses from extra on. */
void tl_sess_keep(struct tl *t, struct tl_sess *s, const struct sockaddr_in *extra, int nextra);
void tl_sess_on_readable(struct tl *t, struct tl_sess *s, uint64_t now_ms);
void tl_sess_input(struct tl *t, struct tl_sess *s, const uint8_t *p, size_t n, uint64_t now_ms);
void tl_sess_scan(struct tl *t, uint64_t now_ms);
/* Runs the control plane until no session has a transaction in flight, or
 * until deadline_ms (then returns -ETIMEDOUT); with stop_cycles, returns 0
 * once c.cycles reaches it. */
int tl_ctl_run(struct tl *t, uint64_t deadline_ms, uint64_t stop_cycles);
/* One epoll wait (at most timeout_ms) and its dispatch. */
int tl_ctl_step(struct tl *t, int timeout_ms);
/* Starts sessions first..first+n-1 toward goal, never more than max_busy
 * transactions in flight, and runs until all settle or deadline_ms. */
int tl_ctl_start(struct tl *t, int first, int n, enum tl_goal goal, int max_busy,
		 uint64_t deadline_ms);
/* Releases every allocation (Refresh 0), TL_CTL_WINDOW at a time, waiting at
 * most max_ms. */
void tl_release_all(struct tl *t, int max_ms);

/* tl_relay.c: the relay mode over o->ntgt targets (t[0..o->ntgt)), each
 * made by tl_init from o with its target's port, pid and kind. */
int tl_relay_main(const struct tl_opts *o);

/* tl_soak.c: the soak mode on t (tl_init done, no sessions open yet). */
int tl_soak_main(struct tl *t);

#endif
