/* DTLS sockets: the stateless cookie exchange and the table of sessions by source
 * address. The sessions themselves (handshake, records, timers, close) are in
 * net/dtls_sess.c. */
#include "config.h" /* first: _GNU_SOURCE for recvmmsg(2) */
#include "net/dtls.h"

#include <errno.h>
#include <event2/event.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/bytes.h"
#include "base/crypto.h"
#include "base/log.h"
#include "base/xmalloc.h"
#include "net/dtls_hello.h"
#include "net/dtls_int.h"
#include "net/tls_cookie.h"
#include "net/worker.h"

/* The first table size (a power of two); it doubles as sessions come. */
#define NET_DTLS_TAB_MIN 64

/* The secrets under k->lock; gen and next_ms also readable without it. */
struct net_dtls_keys {
	pthread_mutex_t lock;
	struct net_dtls_secret s;
	atomic_uint gen;
	atomic_uint_fast64_t next_ms; /* the next rotation (monotonic clock) */
};

int net_dtls_keys_new(struct net_dtls_keys **out)
{
	struct net_dtls_keys *k = xcalloc(1, sizeof(*k));

	if (crypto_random(k->s.cur, sizeof(k->s.cur)) < 0) {
		free(k);
		return -EIO;
	}
	k->s.gen = 1;
	pthread_mutex_init(&k->lock, NULL);
	atomic_init(&k->gen, 1);
	atomic_init(&k->next_ms, net_clock_ms() + NET_DTLS_ROTATE_S * 1000u);
	*out = k;
	return 0;
}

void net_dtls_keys_free(struct net_dtls_keys *k)
{
	if (!k)
		return;
	pthread_mutex_destroy(&k->lock);
	explicit_bzero(&k->s, sizeof(k->s));
	free(k);
}

/* A new current secret once the period is over; the old one stays as the previous. The
 * first worker to notice does it. Under k->lock. */
static void net_dtls_keys_rotate(struct net_dtls_keys *k, uint64_t now_ms)
{
	uint8_t fresh[TLS_COOKIE_SECRET];

	if (now_ms < atomic_load(&k->next_ms) || crypto_random(fresh, sizeof(fresh)) < 0)
		return;
	memcpy(k->s.prev, k->s.cur, sizeof(k->s.prev));
	memcpy(k->s.cur, fresh, sizeof(k->s.cur));
	k->s.has_prev = true;
	k->s.gen++;
	atomic_store(&k->gen, k->s.gen);
	atomic_store(&k->next_ms, now_ms + NET_DTLS_ROTATE_S * 1000u);
	explicit_bzero(fresh, sizeof(fresh));
}

/* Brings d's copy of the secrets up to date: the lock is taken only when they rotate. */
void net_dtls_secret_sync(struct net_dtls *d, uint64_t now_ms)
{
	struct net_dtls_keys *k = d->keys;

	if (now_ms >= atomic_load(&k->next_ms)) {
		pthread_mutex_lock(&k->lock);
		net_dtls_keys_rotate(k, now_ms);
		pthread_mutex_unlock(&k->lock);
	}
	if (atomic_load(&k->gen) == d->sec.gen)
		return;
	pthread_mutex_lock(&k->lock);
	d->sec = k->s;
	pthread_mutex_unlock(&k->lock);
}

bool net_dtls_cookie_is_valid(const struct net_dtls *d, const struct addr *peer,
			      const uint8_t *cookie, size_t len)
{
	return tls_cookie_is_valid(d->sec.cur, d->sec.has_prev ? d->sec.prev : NULL, peer, cookie,
				   len);
}

/* The session table: chains in a power-of-two array, keyed by a seeded hash of the
 * source address and port, so no client can choose sources that collide. */
static size_t net_dtls_hash(const struct net_dtls *d, const struct addr *a)
{
	size_t len;
	const uint8_t *ip = addr_raw(a, &len);
	uint64_t x = d->seed ^ addr_port(a);

	for (size_t i = 0; i < len; i++)
		x = (x ^ ip[i]) * 0x100000001B3ull;
	return (size_t)bytes_mix64(x) & d->mask;
}

struct net_dtls_sess *net_dtls_find(const struct net_dtls *d, const struct addr *src)
{
	struct net_dtls_sess *s = d->tab[net_dtls_hash(d, src)];

	while (s && !addr_eq(&s->conn.remote, src))
		s = s->hnext;
	return s;
}

/* Doubles the table when it holds more sessions than chains (never fails: a table too
 * full to grow still works, with longer chains). */
static void net_dtls_grow(struct net_dtls *d)
{
	size_t n = (d->mask + 1) * 2;
	struct net_dtls_sess **old = d->tab, *s, *next;
	size_t oldn = d->mask + 1;

	if (d->nsess <= oldn || !(d->tab = calloc(n, sizeof(*d->tab)))) {
		d->tab = old;
		return;
	}
	d->mask = n - 1;
	for (size_t i = 0; i < oldn; i++) {
		for (s = old[i]; s; s = next) {
			size_t h = net_dtls_hash(d, &s->conn.remote);

			next = s->hnext;
			s->hnext = d->tab[h];
			d->tab[h] = s;
		}
	}
	free(old);
}

void net_dtls_insert(struct net_dtls *d, struct net_dtls_sess *s)
{
	size_t h = net_dtls_hash(d, &s->conn.remote);

	s->hnext = d->tab[h];
	d->tab[h] = s;
	s->next = d->sessions;
	if (d->sessions)
		d->sessions->prev = s;
	d->sessions = s;
	d->nsess++;
	net_dtls_grow(d);
}

void net_dtls_remove(struct net_dtls *d, struct net_dtls_sess *s)
{
	struct net_dtls_sess **pp = &d->tab[net_dtls_hash(d, &s->conn.remote)];

	while (*pp && *pp != s)
		pp = &(*pp)->hnext;
	if (*pp)
		*pp = s->hnext;
	if (s->prev)
		s->prev->next = s->next;
	else
		d->sessions = s->next;
	if (s->next)
		s->next->prev = s->prev;
	d->nsess--;
}

/* RFC 6347 §4.2.1: answers a ClientHello without a valid cookie with a HelloVerifyRequest
 * carrying src's cookie, keeping no state. The answer is never larger than the request
 * (no amplification): a shorter ClientHello is dropped. */
static void net_dtls_verify_request(struct net_dtls *d, const struct dtls_hello *h, size_t len,
				    const struct addr *src)
{
	uint8_t cookie[TLS_COOKIE_LEN], out[DTLS_HELLO_VERIFY_LEN(TLS_COOKIE_LEN)];
	int n;

	if (sizeof(out) > len || tls_cookie_make(d->sec.cur, src, cookie) < 0) {
		d->w->c.dtls_drop++;
		return;
	}
	n = dtls_hello_verify_build(h, cookie, sizeof(cookie), out, sizeof(out));
	if (n < 0 || sendto(d->fd, out, (size_t)n, MSG_DONTWAIT, &src->u.sa, addr_len(src)) < 0) {
		d->w->c.dtls_send_err++;
		return;
	}
	d->w->c.dtls_hvr++;
}

/* The worker's handshake limits: true (and counted, logged once per episode) when a new
 * handshake must be refused. */
static bool net_dtls_is_busy(struct net_dtls *d)
{
	struct net_worker *w = d->w;
	char a[ADDR_STR_MAX];

	if (w->dtls_halfopen < NET_DTLS_HALFOPEN && w->dtls_sessions < w->opts->max_tcp_conns) {
		if (d->busy)
			log_info("net",
				 "dtls handshakes accepted again addr=%s worker=%u refused=%lu",
				 addr_to_str(&d->local, a, sizeof(a)), w->id, d->nbusy);
		d->busy = false;
		return false;
	}
	w->c.dtls_busy++;
	if (!d->busy) {
		log_warn("net",
			 "dtls handshakes refused addr=%s worker=%u halfopen=%zu sessions=%zu "
			 "max_halfopen=%u max_sessions=%zu",
			 addr_to_str(&d->local, a, sizeof(a)), w->id, w->dtls_halfopen,
			 w->dtls_sessions, NET_DTLS_HALFOPEN, w->opts->max_tcp_conns);
		d->busy = true;
		d->nbusy = 0;
	}
	d->nbusy++;
	return true;
}

/* A ClientHello that is not a retransmission of the one that opened src's session (old,
 * or NULL when src has none). RFC 6347 §4.2.8: a new handshake replaces an existing
 * session only once the client has proven its address with a valid cookie. */
static void net_dtls_hello(struct net_dtls *d, const uint8_t *buf, size_t len,
			   const struct dtls_hello *h, const struct addr *src,
			   struct net_dtls_sess *old)
{
	struct net_worker *w = d->w;

	net_dtls_secret_sync(d, net_worker_now(w));
	if (!h->cookie_len || !net_dtls_cookie_is_valid(d, src, h->cookie, h->cookie_len)) {
		net_dtls_verify_request(d, h, len, src);
		return;
	}
	if (old)
		net_dtls_sess_close(old, false);
	if (!net_dtls_is_busy(d))
		net_dtls_sess_open(d, buf, len, h, src);
}

/* One datagram from src. */
static void net_dtls_datagram(struct net_dtls *d, const uint8_t *buf, size_t len,
			      const struct addr *src)
{
	struct net_dtls_sess *s = net_dtls_find(d, src);
	struct dtls_hello h;

	if (dtls_hello_parse(buf, len, &h) == 0 &&
	    !(s && memcmp(h.random, s->random, DTLS_HELLO_RANDOM) == 0)) {
		net_dtls_hello(d, buf, len, &h, src, s);
		return;
	}
	if (s) {
		net_dtls_sess_input(s, buf, len);
		return;
	}
	d->w->c.dtls_drop++;
}

static void net_dtls_readable(evutil_socket_t fd, short what, void *arg)
{
	struct net_dtls *d = arg;
	struct net_dtls_rx *rx = &d->rx;

	for (int round = 0; round < NET_DTLS_ROUNDS; round++) {
		int n = recvmmsg(d->fd, rx->msg, NET_DTLS_BATCH, MSG_DONTWAIT, NULL);

		if (n <= 0)
			return;
		d->w->c.dtls_rx += (uint64_t)n;
		for (int i = 0; i < n; i++) {
			struct msghdr *m = &rx->msg[i].msg_hdr;

			if (m->msg_flags & MSG_TRUNC)
				d->w->c.dtls_drop++;
			else
				net_dtls_datagram(d, rx->buf[i], rx->msg[i].msg_len, &rx->src[i]);
			m->msg_namelen = sizeof(rx->src[i].u.ss);
		}
		if (n < NET_DTLS_BATCH)
			return;
	}
}

int net_dtls_new(struct net_worker *w, int fd, const struct addr *local, struct net_dtls_keys *keys,
		 struct net_dtls **out)
{
	struct net_dtls *d = xcalloc(1, sizeof(*d));

	d->w = w;
	d->fd = fd;
	d->local = *local;
	d->keys = keys;
	d->mask = NET_DTLS_TAB_MIN - 1;
	d->tab = xcalloc(NET_DTLS_TAB_MIN, sizeof(*d->tab));
	for (int i = 0; i < NET_DTLS_BATCH; i++) {
		d->rx.iov[i] = (struct iovec){d->rx.buf[i], NET_DTLS_BUF};
		d->rx.msg[i].msg_hdr.msg_iov = &d->rx.iov[i];
		d->rx.msg[i].msg_hdr.msg_iovlen = 1;
		d->rx.msg[i].msg_hdr.msg_name = &d->rx.src[i].u.ss;
		d->rx.msg[i].msg_hdr.msg_namelen = sizeof(d->rx.src[i].u.ss);
	}
	if (crypto_random(&d->seed, sizeof(d->seed)) < 0 || net_dtls_bio_init() < 0) {
		net_dtls_free(d);
		return -EIO;
	}
	d->ev = event_new(w->base, fd, EV_READ | EV_PERSIST, net_dtls_readable, d);
	if (!d->ev || event_add(d->ev, NULL) < 0) {
		net_dtls_free(d);
		return -ENOMEM;
	}
	*out = d;
	return 0;
}

void net_dtls_free(struct net_dtls *d)
{
	if (!d)
		return;
	while (d->sessions)
		net_dtls_sess_close(d->sessions, true);
	if (d->ev)
		event_free(d->ev);
	close(d->fd);
	free(d->tab);
	explicit_bzero(&d->sec, sizeof(d->sec));
	free(d);
}
