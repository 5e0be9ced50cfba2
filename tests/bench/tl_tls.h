/*
 * tl_tls.h — turnload's TURN clients over TLS-over-TCP (RFC 8656 §3.1 and
 * §12.5; TLS 1.2 or 1.3 as the server chooses) for the modes tls-relay,
 * tls-alloc and tls-hold (scripts/bench.sh tls):
 *
 *   tl_tls.c       connections: TCP connect, TLS handshake over memory BIOs
 *                  on a nonblocking socket, stream framing, the TURN control
 *                  transactions; the tls-alloc and tls-hold modes
 *   tl_tlsrelay.c  the tls-relay mode: ChannelData over TLS to UDP peers
 *
 * Every handshake is a full one: the client keeps no session (no cache, no
 * ticket reused), so each connection costs the server what a new client's
 * would; unless --tls-resume, where each connection offers a ticket the
 * server gave an earlier one (RFC 5077, RFC 8446 §4.6.1), each ticket once. The server's
 * certificate is not verified (a load generator, not a client to trust), but the handshake still
 * checks the server's signature. Records are written one per ChannelData or STUN message, as a
 * browser's TURN client does; what the TLS layer produces is sent with one send() per batch, and
 * the socket is read in large chunks, so the load generator's own system calls stay few.
 */
#ifndef TL_TLS_H
#define TL_TLS_H

#include "tl_relay.h"
#include "turnload.h"

#include <openssl/ssl.h>
#include <stdbool.h>
#include <stdint.h>

#define TL_TLS_CARRY	1536	   /* a partial message kept between reads */
#define TL_TLS_OUT_HIGH (64 << 10) /* relay: no new data above this unsent */
#define TL_TLS_STEP_MS                                                                             \
	5000 /* a control step (connect, handshake, a                                              \
	      * transaction) that takes longer fails */
#define TL_TLS_MAX_CONNS 10000
#define TL_TLS_CHUNK	 (64 << 10)
#define TL_TLS_SESS_POOL 256 /* --tls-resume: sessions kept */

enum tl_tstate {
	TL_TS_CLOSED,	 /* no socket */
	TL_TS_CONNECT,	 /* TCP connect in flight */
	TL_TS_HANDSHAKE, /* TLS handshake in flight */
	TL_TS_ALLOC0,	 /* Allocate without credentials sent, 401 expected */
	TL_TS_ALLOC1,	 /* authenticated Allocate sent */
	TL_TS_BIND,	 /* ChannelBind sent */
	TL_TS_FREE,	 /* Refresh LIFETIME 0 sent */
	TL_TS_READY,	 /* allocation held (and channel bound), nothing in flight */
};

enum tl_tgoal {
	TL_TG_NONE,    /* not started */
	TL_TG_CYCLE,   /* connect, allocate, free, close; again while cycling */
	TL_TG_HOLD,    /* connect and allocate, then hold */
	TL_TG_CHANNEL, /* connect, allocate, bind channel 0x4000+idx to peer */
	TL_TG_CLOSE,   /* free, then close */
};

/* One TLS connection: at most one allocation, at most one request in
 * flight (no retransmissions over a reliable transport, RFC 8489 §6.2.2). */
struct tl_tconn {
	int fd;
	uint32_t idx;
	uint8_t state;
	uint8_t goal;
	bool out_armed; /* EPOLLOUT requested: unsent bytes wait */
	bool has_alloc;
	uint8_t nonce_len;
	uint16_t carry_len;
	uint32_t gen;	   /* counts closes: a dispatch that closed c ends its read */
	uint64_t since_ms; /* current step started */
	SSL *ssl;
	BIO *rbio, *wbio; /* memory BIOs, owned by ssl */
	struct sockaddr_in relayed, peer;
	struct tl_flow f; /* tls-relay */
	uint8_t nonce[TL_NONCE_MAX];
	uint8_t carry[TL_TLS_CARRY];
	struct tl_msg req;
};

struct tl_tls_counts {
	uint64_t handshakes; /* completed */
	uint64_t resumed;    /* of which resumed a session */
	uint64_t allocs, frees, cycles;
	uint64_t errors;   /* error responses other than 401/438 */
	uint64_t failures; /* connections lost: refused, reset, closed, timed out */
	int last_code;
	char last_fail[64];
};

struct tl_tls;
/* Called with a ChannelData message received on c (tls-relay). */
typedef void (*tl_tls_data_cb)(struct tl_tls *tt, struct tl_tconn *c, const uint8_t *p, size_t n,
			       uint64_t now_ms);

struct tl_tls {
	struct tl *t; /* options, epoll set, random source */
	SSL_CTX *ctx;
	struct tl_tconn *c;
	int n;
	int busy;     /* connections in a control step */
	bool cycling; /* TL_TG_CYCLE connections start over */
	bool relaying;
	uint64_t last_scan_ms;
	struct tl_tls_counts k;
	char version[16], cipher[48], group[24]; /* of the first handshake */
	SSL_SESSION *pool[TL_TLS_SESS_POOL];	 /* o.tls_resume: sessions to resume, */
	int npool;				 /* newest last */
	tl_tls_data_cb on_data;
	/* tls-relay: c sent what was waiting for EPOLLOUT. */
	void (*on_writable)(struct tl_tls *tt, struct tl_tconn *c);
	void *user; /* tls-relay state */
	uint8_t scratch[TL_TLS_CARRY + TL_TLS_CHUNK];
};

/* The channel of c's allocation (RFC 8656 §12: 0x4000-0x4FFF). */
static inline uint16_t tl_tls_channel(const struct tl_tconn *c)
{
	return (uint16_t)(0x4000 + (c->idx & 0xFFF));
}

/* tl_tls.c */
int tl_tls_init(struct tl_tls *tt, struct tl *t, int n, bool small_buffers);
void tl_tls_fini(struct tl_tls *tt);
/* Starts connection c toward goal (a new TCP connection). */
void tl_tls_start(struct tl_tls *tt, struct tl_tconn *c, enum tl_tgoal goal);
/* Frees c's allocation and closes it (TL_TG_CLOSE); c must be READY. */
void tl_tls_release(struct tl_tls *tt, struct tl_tconn *c);
/* One epoll wait and its dispatch; peer sockets (TL_EV_PEER) go to peer_cb. */
int tl_tls_step(struct tl_tls *tt, int timeout_ms, void (*peer_cb)(struct tl_tls *, int, uint64_t));
/* Runs until no connection is in a control step, or deadline_ms. */
int tl_tls_settle(struct tl_tls *tt, uint64_t deadline_ms);
/* Starts connections first..first+n-1 toward goal, at most max_busy at once. */
int tl_tls_start_many(struct tl_tls *tt, int first, int n, enum tl_tgoal goal, int max_busy,
		      uint64_t deadline_ms);
/* Releases every held allocation, max_busy at once; waits at most max_ms. */
void tl_tls_release_all(struct tl_tls *tt, int max_busy, int max_ms);
/* Writes n bytes of application data on c (one record) and does not send it
 * yet; 0, or -EIO. */
int tl_tls_write(struct tl_tconn *c, const void *p, size_t n);
/* Sends what c's TLS layer has produced; arms EPOLLOUT for the rest. */
void tl_tls_flush(struct tl_tls *tt, struct tl_tconn *c);
/* Bytes produced on c and not yet sent. */
size_t tl_tls_unsent(const struct tl_tconn *c);
int tl_tls_alloc_main(struct tl *t);
int tl_tls_hold_main(struct tl *t);

/* tl_tlsrelay.c */
int tl_tls_relay_main(struct tl *t);

#endif
