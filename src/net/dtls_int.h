/* What net/dtls.c (the socket, the cookie exchange, the session table) and
 * net/dtls_sess.c (one session) share. Internal to those two files. */
#ifndef TERN_NET_DTLS_INT_H
#define TERN_NET_DTLS_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include <openssl/ssl.h>

#include "base/addr.h"
#include "net/dtls.h"
#include "net/dtls_hello.h"
#include "net/tls_cookie.h"
#include "turn/conn.h"

/* Datagrams per recvmmsg, and recvmmsg calls per wakeup (so one busy socket can't starve
 * the rest of the loop). */
#define NET_DTLS_BATCH	16
#define NET_DTLS_ROUNDS 16
/* Datagrams larger than this are truncated by the kernel and dropped; also the largest
 * record plaintext read. */
#define NET_DTLS_BUF 4096

struct event;
struct net_worker;
struct tls_ctxset;

/* A copy of the shared cookie secrets (gen tells whether it is current). */
struct net_dtls_secret {
	uint8_t cur[TLS_COOKIE_SECRET];
	uint8_t prev[TLS_COOKIE_SECRET];
	bool has_prev;
	unsigned gen;
};

struct net_dtls_rx {
	struct mmsghdr msg[NET_DTLS_BATCH];
	struct iovec iov[NET_DTLS_BATCH];
	struct addr src[NET_DTLS_BATCH];
	uint8_t buf[NET_DTLS_BATCH][NET_DTLS_BUF];
};

/* One socket of one worker. */
struct net_dtls {
	struct net_worker *w;
	int fd;
	struct addr local;
	struct event *ev;
	struct net_dtls_keys *keys; /* the server's, borrowed */
	struct net_dtls_secret sec; /* this socket's copy */
	struct net_dtls_sess **tab; /* chains by source (hnext) */
	size_t mask;		    /* chains - 1 */
	uint64_t seed;
	struct net_dtls_sess *sessions; /* every session (prev, next) */
	size_t nsess;
	bool busy;	     /* refusing handshakes (limits reached): logged once */
	unsigned long nbusy; /* handshakes refused since */
	struct net_dtls_rx rx;
	uint8_t rec[NET_DTLS_BUF]; /* one record's plaintext */
};

/* One client's session. */
struct net_dtls_sess {
	struct turn_conn conn; /* first; remote: the client, local: the socket's address */
	struct net_dtls *d;
	struct net_dtls_sess *hnext, *prev, *next;
	SSL *ssl;
	struct tls_ctxset *set; /* a reference, for the SSL's life */
	struct event *ev;	/* the timer: retransmissions, deadlines, closing */
	uint64_t deadline_ms;	/* handshake end or idle limit; 0: none (an allocation) */
	uint64_t alloc_by_ms;	/* max-allocate-timeout from the handshake's end: the idle
				 * limit never passes it without an allocation; 0: none */
	uint8_t random[DTLS_HELLO_RANDOM]; /* the ClientHello's: retransmissions of it */
	const uint8_t *in;		   /* the datagram the BIO hands to libssl next */
	size_t inlen;
	unsigned nrelays; /* relay sockets of its allocation */
	bool established; /* the handshake is done */
	bool alloc_ended; /* the last relay socket closed: close unless a new one opens */
	bool closing;	  /* net_dtls_sess_close is under way */
};

/* dtls.c */
void net_dtls_secret_sync(struct net_dtls *d, uint64_t now_ms);
bool net_dtls_cookie_is_valid(const struct net_dtls *d, const struct addr *peer,
			      const uint8_t *cookie, size_t len);
struct net_dtls_sess *net_dtls_find(const struct net_dtls *d, const struct addr *src);
void net_dtls_insert(struct net_dtls *d, struct net_dtls_sess *s);
void net_dtls_remove(struct net_dtls *d, struct net_dtls_sess *s);

/* dtls_sess.c */
/* The datagram BIO method and the SSL ex_data slot that leads to a session. Idempotent,
 * thread-safe. 0 or -ENOMEM. */
int net_dtls_bio_init(void);
/* A session for src from buf[0..len), a ClientHello whose cookie d checked (h). Counted
 * and dropped when it can't be created. */
void net_dtls_sess_open(struct net_dtls *d, const uint8_t *buf, size_t len,
			const struct dtls_hello *h, const struct addr *src);
/* A datagram of s's client. */
void net_dtls_sess_input(struct net_dtls_sess *s, const uint8_t *buf, size_t len);
/* Frees s (takes it): close_notify first when notify and s is established; its allocation
 * ends (turn_server_client_gone) while the worker's TURN core exists. */
void net_dtls_sess_close(struct net_dtls_sess *s, bool notify);

#endif
