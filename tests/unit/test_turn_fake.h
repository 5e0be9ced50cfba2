/* Test doubles for the TURN core: fake relay ops (recording opens, closes and sends, with
 * programmable failures), fake client connections (a datagram-like one and a stream-like
 * one, recording what they send), a fake credential store (synchronous or asynchronous), a
 * synthetic clock, and request builders with real long-term credentials. Included by the
 * test_turn_*.c programs (static functions; each program uses a subset). */
#ifndef TERN_TESTS_TEST_TURN_FAKE_H
#define TERN_TESTS_TEST_TURN_FAKE_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "auth/key.h"
#include "auth/nonce.h"
#include "base/addr.h"
#include "stun/enc.h"
#include "stun/err.h"
#include "stun/integrity.h"
#include "stun/msg.h"
#include "stun/stun.h"
#include "tap.h"
#include "turn/conn.h"
#include "turn/peer.h"
#include "turn/server.h"

#define FAKE_MAX_RELAYS 256
#define T_REALM		"tern.test"
#define T_START_MS	1700000000000ull

/* ---- relay ops ---- */

struct fake_relay {
	int id;
	bool open;
	int closes;
	bool reservation; /* made as res->reserved */
	struct turn_relay_req req;
	struct addr relayed;
};

struct fake_net {
	struct fake_relay r[FAKE_MAX_RELAYS];
	int nr;
	int opens, closes, sends;
	bool last_df; /* the DF flag of the last send */
	int fail_v6;  /* open of AF_INET6: this error (e.g. -EAFNOSUPPORT) */
	int fail_v4;
	int fail_next;	 /* next open: this error, then 0 */
	bool no_reserve; /* reserve_next requests get no reserved handle */
	struct turn_relay_req last_req;
	struct addr opened_local[FAKE_MAX_RELAYS]; /* per open: the client's reached address */
	struct addr last_peer;
	uint8_t last_data[2048];
	size_t last_len;
	void *last_relay;
	struct turn_relayset *rs; /* when set: relay ports marked live while open */
	const char *relay_v4;	  /* the IPv4 relay address; NULL: 203.0.113.1 */
};

static struct fake_relay *fake_relay_new(struct fake_net *n, int family, bool resv)
{
	struct fake_relay *r = &n->r[n->nr];

	r->id = n->nr++;
	r->open = true;
	r->reservation = resv;
	addr_parse(&r->relayed,
		   family == AF_INET6 ? "2001:db8::100"
		   : n->relay_v4      ? n->relay_v4
				      : "203.0.113.1",
		   (uint16_t)(50000 + 2 * r->id));
	if (n->rs)
		turn_relayset_mark(n->rs, &r->relayed, true);
	return r;
}

static inline int fake_open(void *ctx, const struct turn_relay_req *req, struct turn_relay_res *res)
{
	struct fake_net *n = ctx;
	struct fake_relay *r;
	int err = 0;

	if (n->opens < FAKE_MAX_RELAYS && req->client)
		n->opened_local[n->opens] = req->client->local;
	n->opens++;
	n->last_req = *req;
	if (n->fail_next) {
		err = n->fail_next;
		n->fail_next = 0;
	} else if (req->family == AF_INET6 && n->fail_v6) {
		err = n->fail_v6;
	} else if (req->family == AF_INET && n->fail_v4) {
		err = n->fail_v4;
	}
	if (err)
		return err;
	if (req->reserved) {
		r = req->reserved; /* the reservation becomes the relay */
		r->reservation = false;
	} else {
		r = fake_relay_new(n, req->family, false);
	}
	r->req = *req;
	res->relay = r;
	res->relayed = r->relayed;
	res->reserved = NULL;
	if (req->reserve_next && !n->no_reserve)
		res->reserved = fake_relay_new(n, req->family, true);
	return 0;
}

static inline void fake_close(void *ctx, void *relay)
{
	struct fake_net *n = ctx;
	struct fake_relay *r = relay;

	n->closes++;
	r->closes++;
	r->open = false;
	if (n->rs)
		turn_relayset_mark(n->rs, &r->relayed, false);
}

static inline int fake_send(void *ctx, void *relay, const struct addr *peer, const uint8_t *data,
			    size_t len, bool dont_fragment)
{
	struct fake_net *n = ctx;

	n->sends++;
	n->last_df = dont_fragment;
	n->last_relay = relay;
	n->last_peer = *peer;
	n->last_len = len < sizeof(n->last_data) ? len : sizeof(n->last_data);
	memcpy(n->last_data, data, n->last_len);
	return 0;
}

static const struct turn_relay_ops fake_ops = {
	.open = fake_open, .close = fake_close, .send = fake_send};

/* Every relay and reservation handed out was closed exactly once. */
static inline bool fake_all_closed_once(const struct fake_net *n)
{
	int i;

	for (i = 0; i < n->nr; i++) {
		if (n->r[i].closes != 1)
			return false;
	}
	return true;
}

static inline int fake_open_count(const struct fake_net *n)
{
	int i, k = 0;

	for (i = 0; i < n->nr; i++)
		k += n->r[i].open;
	return k;
}

/* ---- client connections ---- */

/* A connection that records what turn/ sends through it (the last message kept). */
struct fake_conn {
	struct turn_conn conn; /* first */
	int sends;
	struct addr last_to;
	uint8_t buf[2048];
	size_t len;
};

static inline int fake_conn_send(struct turn_conn *c, const struct addr *to, const uint8_t *buf,
				 size_t len)
{
	struct fake_conn *f = (struct fake_conn *)c;

	f->sends++;
	f->last_to = *to;
	f->len = len < sizeof(f->buf) ? len : sizeof(f->buf);
	memcpy(f->buf, buf, f->len);
	return 0;
}

/* Like a UDP listening socket: unproven remote addresses, no framing. */
static const struct turn_conn_ops fake_dgram_ops = {.name = "dgram", .send = fake_conn_send};
/* Like a TCP or TLS connection: a framed stream whose remote address is proven. */
static const struct turn_conn_ops fake_stream_ops = {
	.name = "stream", .stream = true, .proven = true, .send = fake_conn_send};

static inline void fake_conn_init(struct fake_conn *f, const struct turn_conn_ops *ops,
				  const struct addr *local, const struct addr *remote)
{
	memset(f, 0, sizeof(*f));
	f->conn.ops = ops;
	f->conn.local = *local;
	if (remote)
		f->conn.remote = *remote;
}

/* ---- credential store ---- */

#define FAKE_USERS   4
#define FAKE_PENDING 16

struct fake_user {
	const char *name, *pass;
};

struct fake_lookup {
	bool used;
	cred_cb cb;
	void *arg;
	int user; /* index or -1 */
};

struct fake_creds {
	struct cred_store store;
	struct fake_user users[FAKE_USERS];
	int nusers;
	bool async;
	int fail;   /* lookup returns this (< 0) */
	int status; /* results carry this status when != 0 (e.g. -EIO) */
	struct cred_limits limits;
	const char *quota_user[FAKE_USERS]; /* the answer's quota name (TURN REST), or NULL */
	struct fake_lookup pend[FAKE_PENDING];
	int lookups, cancels, freed;
};

static inline int fake_find_user(struct fake_creds *f, const struct cred_query *q)
{
	uint8_t h[32];
	int i;

	for (i = 0; i < f->nusers; i++) {
		const char *u = f->users[i].name;

		if (q->user && q->user_len == strlen(u) && memcmp(q->user, u, q->user_len) == 0)
			return i;
		if (q->userhash && auth_userhash(u, strlen(u), T_REALM, strlen(T_REALM), h) == 0 &&
		    memcmp(h, q->userhash, 32) == 0)
			return i;
	}
	return -1;
}

static inline void fake_answer(struct fake_creds *f, int user, cred_cb cb, void *arg)
{
	struct cred_key k = {0};
	struct cred_result res = {.status = -ENOENT, .key = &k, .limits = &f->limits};

	if (user >= 0) {
		const struct fake_user *u = &f->users[user];

		uint8_t md5[AUTH_KEY_MAX];

		k.has_md5 = k.has_sha256 = true;
		auth_key_derive(AUTH_KEY_MD5, u->name, strlen(u->name), T_REALM, strlen(T_REALM),
				u->pass, strlen(u->pass), md5);
		memcpy(k.md5, md5, sizeof(k.md5));
		auth_key_derive(AUTH_KEY_SHA256, u->name, strlen(u->name), T_REALM, strlen(T_REALM),
				u->pass, strlen(u->pass), k.sha256);
		res.status = 0;
		res.user = u->name;
		res.user_len = strlen(u->name);
		res.quota_user = f->quota_user[user];
		res.quota_user_len = res.quota_user ? strlen(res.quota_user) : 0;
	}
	if (f->status)
		res.status = f->status;
	cb(arg, &res);
}

static inline int fake_lookup(void *impl, const struct cred_query *q, cred_cb cb, void *arg)
{
	struct fake_creds *f = impl;
	int i;

	f->lookups++;
	if (f->fail)
		return f->fail;
	if (!f->async) {
		fake_answer(f, fake_find_user(f, q), cb, arg);
		return 0;
	}
	for (i = 0; i < FAKE_PENDING; i++) {
		if (!f->pend[i].used) {
			f->pend[i] = (struct fake_lookup){true, cb, arg, fake_find_user(f, q)};
			return 0;
		}
	}
	return -EAGAIN;
}

static inline void fake_cancel(void *impl, cred_cb cb, void *arg)
{
	struct fake_creds *f = impl;
	int i;

	for (i = 0; i < FAKE_PENDING; i++) {
		if (f->pend[i].used && f->pend[i].cb == cb && f->pend[i].arg == arg) {
			f->pend[i].used = false;
			f->cancels++;
		}
	}
}

static inline void fake_free(void *impl)
{
	((struct fake_creds *)impl)->freed++;
}

static const struct cred_store_ops fake_cred_ops = {
	.lookup = fake_lookup, .cancel = fake_cancel, .free = fake_free};

/* Completes every pending asynchronous lookup; returns how many. */
static inline int fake_creds_complete(struct fake_creds *f)
{
	int i, n = 0;

	for (i = 0; i < FAKE_PENDING; i++) {
		if (f->pend[i].used) {
			f->pend[i].used = false;
			fake_answer(f, f->pend[i].user, f->pend[i].cb, f->pend[i].arg);
			n++;
		}
	}
	return n;
}

/* ---- environment ---- */

struct t_env {
	struct turn_cfg cfg;
	struct auth_nonce_key nk;
	struct fake_net net;
	struct fake_creds creds;
	struct turn_server *s;
	uint64_t now;
	struct addr src, local;
	/* the connection requests arrive on: &dgram (default) or &stream (t_use_stream) */
	struct fake_conn dgram, stream;
	struct fake_conn *conn;
	const struct turn_client *to; /* the client t_peer_send's message is for */
	/* the credentials requests are signed with */
	const char *user, *pass;
	bool use_sha256, use_userhash, fingerprint;
	char nonce[AUTH_NONCE_MAX + 1];
	uint8_t tid[STUN_TID_LEN];
	uint8_t req[2048];
	int req_len;
	uint8_t resp[2048];
	int resp_len;
	struct stun_msg m;
	int code; /* ERROR-CODE of the last response, 0 for success */
};

static inline void t_cfg_defaults(struct t_env *t)
{
	t->cfg.realm = T_REALM;
	t->cfg.default_lifetime_s = 600;
	t->cfg.max_lifetime_s = 3600;
	t->cfg.perm_lifetime_s = 300;
	t->cfg.channel_lifetime_s = 600;
	t->cfg.max_perms = 8;
	t->cfg.nonce_key = &t->nk;
}

/* Sets t up (cfg defaults; adjust t->cfg, then t_start). */
static inline void t_init(struct t_env *t)
{
	memset(t, 0, sizeof(*t));
	t_cfg_defaults(t);
	auth_nonce_key_init(&t->nk, 600, 0);
	t->creds.store.ops = &fake_cred_ops;
	t->creds.store.impl = &t->creds;
	t->creds.users[0] = (struct fake_user){"alice", "secret"};
	t->creds.users[1] = (struct fake_user){"bob", "hunter2"};
	t->creds.nusers = 2;
	t->now = T_START_MS;
	t->user = "alice";
	t->pass = "secret";
	addr_parse(&t->src, "192.0.2.10", 40000);
	addr_parse(&t->local, "203.0.113.1", 3478);
	fake_conn_init(&t->dgram, &fake_dgram_ops, &t->local, NULL);
	fake_conn_init(&t->stream, &fake_stream_ops, &t->local, &t->src);
	t->conn = &t->dgram;
}

/* Requests from now on arrive on the stream connection (from t->src to t->local). */
static inline void t_use_stream(struct t_env *t)
{
	fake_conn_init(&t->stream, &fake_stream_ops, &t->local, &t->src);
	t->conn = &t->stream;
}

/* The client t's requests come from, as net/ reports it to turn_server_client_gone. */
static inline struct turn_client t_client(const struct t_env *t)
{
	return (struct turn_client){.conn = &t->conn->conn, .src = t->src, .local = t->local};
}

static inline void t_start(struct t_env *t)
{
	int rc = turn_server_new(&t->cfg, &fake_ops, &t->net, &t->creds.store, t->now, &t->s);

	if (rc != 0) {
		printf("Bail out! turn_server_new: %d\n", rc);
		exit(1);
	}
}

static inline void t_stop(struct t_env *t)
{
	turn_server_free(t->s);
	t->s = NULL;
}

static inline void t_advance(struct t_env *t, uint64_t ms)
{
	uint64_t end = t->now + ms;

	while (t->now < end) {
		t->now += t->now + 1000 < end ? 1000 : end - t->now;
		turn_server_tick(t->s, t->now);
	}
}

static inline void t_new_tid(struct t_env *t)
{
	static uint32_t seq = 1;

	memset(t->tid, 0, sizeof(t->tid));
	memcpy(t->tid, &seq, sizeof(seq));
	seq++;
}

/* Starts a request (new transaction id unless keep_tid). */
static inline void t_begin(struct t_env *t, struct stun_enc *e, uint16_t method, uint8_t cls,
			   bool keep_tid)
{
	if (!keep_tid)
		t_new_tid(t);
	stun_enc_init(e, t->req, sizeof(t->req), method, cls, t->tid);
}

static inline void t_key(const struct t_env *t, uint8_t *key, size_t *klen)
{
	enum auth_key_alg alg = t->use_sha256 ? AUTH_KEY_SHA256 : AUTH_KEY_MD5;
	int n = auth_key_derive(alg, t->user, strlen(t->user), T_REALM, strlen(T_REALM), t->pass,
				strlen(t->pass), key);

	*klen = n > 0 ? (size_t)n : 0;
}

/* Appends USERNAME (or USERHASH), REALM, NONCE and MESSAGE-INTEGRITY(-SHA256). */
static inline void t_sign(struct t_env *t, struct stun_enc *e)
{
	uint8_t key[AUTH_KEY_MAX], h[32];
	size_t klen;

	if (t->use_userhash) {
		auth_userhash(t->user, strlen(t->user), T_REALM, strlen(T_REALM), h);
		stun_enc_put(e, STUN_ATTR_USERHASH, h, 32);
	} else {
		stun_enc_put(e, STUN_ATTR_USERNAME, t->user, strlen(t->user));
	}
	stun_enc_put(e, STUN_ATTR_REALM, T_REALM, strlen(T_REALM));
	stun_enc_put(e, STUN_ATTR_NONCE, t->nonce, strlen(t->nonce));
	t_key(t, key, &klen);
	if (t->use_sha256)
		stun_enc_put_integrity_sha256(e, key, klen);
	else
		stun_enc_put_integrity_sha1(e, key, klen);
}

/* Runs the message in t->req through the server; decodes a response if any. */
static inline int t_run(struct t_env *t)
{
	struct turn_pkt p = {.buf = t->req,
			     .len = (size_t)t->req_len,
			     .src = &t->src,
			     .local = &t->local,
			     .conn = &t->conn->conn};
	struct stun_str reason;
	int rc;

	t->code = -1;
	t->resp_len = turn_server_input(t->s, &p, t->now, t->resp, sizeof(t->resp));
	if (t->resp_len <= 0)
		return t->resp_len;
	rc = stun_msg_decode(&t->m, t->resp, (size_t)t->resp_len);
	if (rc < 0)
		return rc;
	t->code = 0;
	if (t->m.cls == STUN_CLASS_ERROR)
		stun_msg_get_error(&t->m, &t->code, &reason);
	return 0;
}

/* Finishes the request (signed when sign), runs it, remembers a NONCE from a challenge. */
static inline int t_send(struct t_env *t, struct stun_enc *e, bool sign)
{
	struct stun_str nonce;

	if (sign)
		t_sign(t, e);
	if (t->fingerprint)
		stun_enc_put_fingerprint(e);
	t->req_len = stun_enc_finish(e);
	if (t->req_len <= 0)
		return -1;
	if (t_run(t) < 0 || t->resp_len <= 0)
		return t->resp_len <= 0 ? t->resp_len : -1;
	if (stun_msg_get_bytes(&t->m, STUN_ATTR_NONCE, &nonce) == 0 &&
	    nonce.len <= AUTH_NONCE_MAX) {
		memcpy(t->nonce, nonce.p, nonce.len);
		t->nonce[nonce.len] = 0;
	}
	return t->code;
}

/* The response verifies with the user's key (or is unsigned when no_auth). */
static inline bool t_resp_signed(const struct t_env *t)
{
	uint8_t key[AUTH_KEY_MAX];
	size_t klen;

	t_key(t, key, &klen);
	if (t->use_sha256)
		return stun_integrity_verify_sha256(&t->m, key, klen) == 0;
	return stun_integrity_verify_sha1(&t->m, key, klen) == 0;
}

/* Gets a nonce: an unauthenticated Allocate answered 401. */
static inline int t_challenge(struct t_env *t)
{
	struct stun_enc e;

	t_begin(t, &e, STUN_METHOD_ALLOCATE, STUN_CLASS_REQUEST, false);
	stun_enc_put_u32(&e, STUN_ATTR_REQUESTED_TRANSPORT, STUN_TRANSPORT_UDP << 24);
	return t_send(t, &e, false);
}

/* Allocate with REQUESTED-TRANSPORT UDP (after a challenge if no nonce yet). */
static inline int t_allocate(struct t_env *t)
{
	struct stun_enc e;

	if (!t->cfg.no_auth && t->nonce[0] == 0)
		t_challenge(t);
	t_begin(t, &e, STUN_METHOD_ALLOCATE, STUN_CLASS_REQUEST, false);
	stun_enc_put_u32(&e, STUN_ATTR_REQUESTED_TRANSPORT, STUN_TRANSPORT_UDP << 24);
	return t_send(t, &e, !t->cfg.no_auth);
}

static inline int t_create_perm(struct t_env *t, const char *ip)
{
	struct stun_enc e;
	struct addr a;

	addr_parse(&a, ip, 1234);
	t_begin(t, &e, STUN_METHOD_CREATE_PERMISSION, STUN_CLASS_REQUEST, false);
	stun_enc_put_xor_addr(&e, STUN_ATTR_XOR_PEER_ADDRESS, &a);
	return t_send(t, &e, !t->cfg.no_auth);
}

static inline int t_channel_bind(struct t_env *t, uint16_t ch, const char *ip, uint16_t port)
{
	struct stun_enc e;
	struct addr a;

	addr_parse(&a, ip, port);
	t_begin(t, &e, STUN_METHOD_CHANNEL_BIND, STUN_CLASS_REQUEST, false);
	stun_enc_put_u32(&e, STUN_ATTR_CHANNEL_NUMBER, (uint32_t)ch << 16);
	stun_enc_put_xor_addr(&e, STUN_ATTR_XOR_PEER_ADDRESS, &a);
	return t_send(t, &e, !t->cfg.no_auth);
}

static inline int t_refresh(struct t_env *t, bool has_life, uint32_t life)
{
	struct stun_enc e;

	t_begin(t, &e, STUN_METHOD_REFRESH, STUN_CLASS_REQUEST, false);
	if (has_life)
		stun_enc_put_u32(&e, STUN_ATTR_LIFETIME, life);
	return t_send(t, &e, !t->cfg.no_auth);
}

/* The peer-side of a relay: data as net/ would hand it over, with head- and tailroom. */
struct t_peer_buf {
	uint8_t b[TURN_PEER_HEADROOM + 1500 + TURN_PEER_TAILROOM];
};

static inline int t_peer_send(struct t_env *t, struct t_peer_buf *pb, const char *ip, uint16_t port,
			      const void *data, size_t len, const uint8_t **msg)
{
	struct addr peer;
	struct fake_relay *r = &t->net.r[0];

	addr_parse(&peer, ip, port);
	memcpy(pb->b + TURN_PEER_HEADROOM, data, len);
	t->to = NULL;
	return turn_peer_input(t->s, r->req.alloc, &peer, pb->b + TURN_PEER_HEADROOM, len, t->now,
			       msg, &t->to);
}

static inline uint32_t t_lifetime(const struct t_env *t)
{
	uint32_t v = 0;

	stun_msg_get_u32(&t->m, STUN_ATTR_LIFETIME, &v);
	return v;
}

#endif
