/* libFuzzer target: the TURN core (turn/) as a state machine. The input is a program: a
 * configuration (auth or no-auth, user-quota, total-quota and max permissions small or
 * unlimited, 401 rate limit, max-bps, synchronous or asynchronous credential lookups, how
 * it ends), then steps, each an opcode and its operands: Allocate (EVEN-PORT, R,
 * RESERVATION-TOKEN, address families, DONT-FRAGMENT, LIFETIME, transports), Refresh
 * (LIFETIME 0 too), CreatePermission, ChannelBind, a request of fuzzer-chosen attributes,
 * a Send indication, ChannelData, peer data, clock ticks, a client gone, relay and
 * credential store faults. Requests come from 48 UDP and TCP clients on two workers,
 * unsigned or signed (right key and a valid nonce, or wrong key, stale nonce, another
 * client's nonce, unknown user). After every step turn_env.h checks the invariants; at the
 * end every relay must be closed exactly once and every quota unit returned. Operands
 * past the input's end read 0. */
#include <stddef.h>
#include <stdint.h>

#include "turn_env.h"
#include "stun/chdata.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* FUZZ_TURN_TRACE set in the environment: each step and response on stderr. */
static bool fz_trace;

/* Steps per input: bounds the relays handed out (FAKE_MAX_RELAYS) and the time per input. */
#define FZ_MAX_STEPS 96

struct fz_in {
	const uint8_t *p;
	size_t n, off;
};

static uint8_t fz_u8(struct fz_in *in)
{
	return in->off < in->n ? in->p[in->off++] : 0;
}

static uint16_t fz_u16(struct fz_in *in)
{
	uint16_t hi = fz_u8(in);

	return (uint16_t)(hi << 8 | fz_u8(in));
}

/* Peers: public, IPv6, denied (RFC 1918, loopback, IPv4-mapped RFC 1918), the relay
 * address at relay ports and at the listening port (relay-to-relay while that port is live,
 * else the server's own host), its IPv4-mapped spelling, then more public IPv4 and IPv6
 * ones (permission arrays grow). */
static void fz_peer(uint8_t b, struct addr *a)
{
	static const char *const ip[FZ_PEERS] = {
		"8.8.8.8",	 "8.8.4.4",	  "1.1.1.1",	 "2606:4700::1111",
		"10.0.0.1",	 "127.0.0.1",	  "203.0.113.1", "::ffff:10.0.0.1",
		"45.33.32.8",	 "45.33.32.9",	  "45.33.32.10", "::ffff:203.0.113.1",
		"2a00:1450::12", "2a00:1450::13", "9.9.9.9",	 "2a00:1450::15",
	};
	static const uint16_t port[4] = {1000, 2000, 3000, 50002};
	static const uint16_t own_port[4] = {50000, 50002, 50004, 3478};
	unsigned i = b % FZ_PEERS;

	addr_parse(a, ip[i], i == 6 || i == 11 ? own_port[(b >> 4) & 3] : port[(b >> 4) & 3]);
}

/* ---- requests ---- */

struct fz_req {
	struct fz_client *cl;
	uint8_t auth;
	struct stun_enc e;
	uint8_t buf[4096];
};

/* Reads the client and auth operands and starts a request (a retransmission keeps the
 * client's last transaction id). */
static void fz_begin(struct fz_env *z, struct fz_in *in, struct fz_req *r, uint16_t method,
		     uint8_t cls)
{
	r->cl = &z->cl[fz_u8(in) % FZ_CLIENTS];
	r->auth = fz_u8(in);
	if (!(r->auth & 0x80)) {
		z->tid_seq++;
		memset(r->cl->tid, 0, STUN_TID_LEN);
		memcpy(r->cl->tid, &z->tid_seq, sizeof(z->tid_seq));
	}
	stun_enc_init(&r->e, r->buf, sizeof(r->buf), method, cls, r->cl->tid);
}

/* Appends the credentials the auth operand asks for: bits 0-2 the mode (0 none; 1-4 the
 * right key and a valid nonce; 5 a wrong password; 6 a stale nonce; 7 another client's
 * nonce), bits 3-4 the user (3: unknown), bit 5 SHA-256, bit 6 USERHASH. */
static void fz_sign(struct fz_env *z, struct fz_req *r)
{
	int mode = r->auth & 7, u = (r->auth >> 3) & 3;
	const char *user = fz_user_names[u], *pass = mode == 5 ? "wrong" : fz_user_pass[u];
	enum auth_key_alg alg = (r->auth & 0x20) ? AUTH_KEY_SHA256 : AUTH_KEY_MD5;
	uint64_t when = mode == 6 ? z->now - 700000 : z->now;
	const struct addr *who = mode == 7 ? &z->cl[2].c.src : &r->cl->c.src;
	char nonce[AUTH_NONCE_MAX + 1];
	uint8_t key[AUTH_KEY_MAX], h[32];
	int klen;

	if (mode == 0 || auth_nonce_make(&z->nk, who, when, nonce) < 0)
		return;
	if (r->auth & 0x40) {
		auth_userhash(user, strlen(user), T_REALM, strlen(T_REALM), h);
		stun_enc_put(&r->e, STUN_ATTR_USERHASH, h, sizeof(h));
	} else {
		stun_enc_put(&r->e, STUN_ATTR_USERNAME, user, strlen(user));
	}
	stun_enc_put(&r->e, STUN_ATTR_REALM, T_REALM, strlen(T_REALM));
	stun_enc_put(&r->e, STUN_ATTR_NONCE, nonce, strlen(nonce));
	klen = auth_key_derive(alg, user, strlen(user), T_REALM, strlen(T_REALM), pass,
			       strlen(pass), key);
	if (klen <= 0)
		return;
	if (alg == AUTH_KEY_SHA256)
		stun_enc_put_integrity_sha256(&r->e, key, (size_t)klen);
	else
		stun_enc_put_integrity_sha1(&r->e, key, (size_t)klen);
}

static void fz_trace_response(const struct stun_msg *m)
{
	struct stun_str reason;
	int code = 0;

	if (m->cls == STUN_CLASS_ERROR)
		stun_msg_get_error(m, &code, &reason);
	fprintf(stderr, "  -> method %#x %s %d\n", m->method,
		m->cls == STUN_CLASS_SUCCESS ? "success" : "error", code);
}

/* Checks a response (or an asynchronous one through the connection's send) against the state it
 * claims, and keeps what later steps use: RESERVATION-TOKENs. */
static void fz_response(struct fz_env *z, const struct turn_client *c, const uint8_t *buf,
			size_t len)
{
	const struct fz_client *cl = NULL;
	const struct turn_alloc *a;
	struct stun_msg m;
	struct stun_str tok;
	uint32_t life = 1;
	int i;

	for (i = 0; i < FZ_CLIENTS; i++) {
		if (addr_eq(&z->cl[i].c.src, &c->src) && z->cl[i].c.conn == c->conn)
			cl = &z->cl[i];
	}
	FUZZ_ASSERT(cl != NULL);
	FUZZ_ASSERT(stun_msg_decode(&m, buf, len) == 0);
	FUZZ_ASSERT(m.cls == STUN_CLASS_SUCCESS || m.cls == STUN_CLASS_ERROR);
	if (fz_trace)
		fz_trace_response(&m);
	if (m.cls != STUN_CLASS_SUCCESS || m.method == STUN_METHOD_BINDING)
		return;
	/* A success for a TURN method means the 5-tuple has an allocation, unless it was a
	 * Refresh that deleted it. */
	a = turn_alloc_find(&z->w[cl->worker]->allocs, c->conn, &c->src, &c->local);
	if (m.method == STUN_METHOD_REFRESH)
		FUZZ_ASSERT(stun_msg_get_u32(&m, STUN_ATTR_LIFETIME, &life) == 0);
	FUZZ_ASSERT((a != NULL) == (life != 0));
	if (m.method == STUN_METHOD_ALLOCATE &&
	    stun_msg_get_bytes(&m, STUN_ATTR_RESERVATION_TOKEN, &tok) == 0 &&
	    tok.len == TURN_TOKEN_LEN)
		memcpy(z->tokens[z->ntokens++ % FZ_TOKENS], tok.p, TURN_TOKEN_LEN);
}

/* Signs (per the auth operand), finishes and delivers a message from r->cl. */
static void fz_deliver(struct fz_env *z, struct fz_req *r, bool sign, bool fingerprint)
{
	struct fz_client *cl = r->cl;
	struct turn_server *s = z->w[cl->worker];
	struct turn_pkt p = {.src = &cl->c.src, .local = &cl->c.local, .conn = cl->c.conn};
	uint8_t out[TURN_RESP_MAX];
	int len, rc;

	if (sign)
		fz_sign(z, r);
	if (fingerprint)
		stun_enc_put_fingerprint(&r->e);
	len = stun_enc_finish(&r->e);
	if (len <= 0)
		return;
	p.buf = r->buf;
	p.len = (size_t)len;
	rc = turn_server_input(s, &p, z->now, out, sizeof(out));
	FUZZ_ASSERT(rc == -EBADMSG || (rc >= 0 && (size_t)rc <= sizeof(out)));
	if (rc > 0) {
		struct stun_msg m;

		fz_response(z, &cl->c, out, (size_t)rc);
		stun_msg_decode(&m, out, (size_t)rc);
		FUZZ_ASSERT(memcmp(m.tid, cl->tid, STUN_TID_LEN) == 0);
	}
}

static void fz_allocate(struct fz_env *z, struct fz_in *in)
{
	struct fz_req r;
	uint8_t f = fz_u8(in), g = fz_u8(in), tok[TURN_TOKEN_LEN];
	static const uint8_t fam[4] = {STUN_FAMILY_IPV4, STUN_FAMILY_IPV6, 0x03, 0};

	fz_begin(z, in, &r, STUN_METHOD_ALLOCATE, STUN_CLASS_REQUEST);
	if (!(g & 1))
		stun_enc_put_u32(&r.e, STUN_ATTR_REQUESTED_TRANSPORT,
				 (uint32_t)((g & 2) ? STUN_TRANSPORT_TCP : STUN_TRANSPORT_UDP)
					 << 24);
	if (f & 1)
		stun_enc_put(&r.e, STUN_ATTR_EVEN_PORT, (f & 2) ? "\x80" : "\x00", 1);
	if (f & 4) {
		/* A token seen in a response, or one nobody made. */
		if ((g & 4) || z->ntokens == 0)
			memset(tok, g, sizeof(tok));
		else
			memcpy(tok, z->tokens[(g >> 3) % FZ_TOKENS], sizeof(tok));
		stun_enc_put(&r.e, STUN_ATTR_RESERVATION_TOKEN, tok, sizeof(tok));
	}
	if (f & 8)
		stun_enc_put_u32(&r.e, STUN_ATTR_REQUESTED_ADDRESS_FAMILY,
				 (uint32_t)fam[(g >> 5) & 3] << 24);
	if (f & 0x10)
		stun_enc_put_u32(&r.e, STUN_ATTR_ADDITIONAL_ADDRESS_FAMILY,
				 (uint32_t)fam[(g >> 6) & 1] << 24);
	if (f & 0x20)
		stun_enc_put(&r.e, STUN_ATTR_DONT_FRAGMENT, NULL, 0);
	if (f & 0x40)
		stun_enc_put_u32(&r.e, STUN_ATTR_LIFETIME, (uint32_t)fz_u8(in) * 60);
	fz_deliver(z, &r, true, f & 0x80);
}

static void fz_refresh(struct fz_env *z, struct fz_in *in)
{
	struct fz_req r;
	uint8_t f = fz_u8(in);

	fz_begin(z, in, &r, STUN_METHOD_REFRESH, STUN_CLASS_REQUEST);
	if (f & 1) /* LIFETIME 0 deletes, otherwise up to 2 h (clamped to the maximum) */
		stun_enc_put_u32(&r.e, STUN_ATTR_LIFETIME, (f & 2) ? (uint32_t)(f >> 2) * 120 : 0);
	if (f & 0x80)
		stun_enc_put_u32(&r.e, STUN_ATTR_REQUESTED_ADDRESS_FAMILY,
				 (uint32_t)((f & 0x40) ? STUN_FAMILY_IPV6 : STUN_FAMILY_IPV4)
					 << 24);
	fz_deliver(z, &r, true, false);
}

static void fz_create_permission(struct fz_env *z, struct fz_in *in)
{
	struct fz_req r;
	struct addr peer;
	uint8_t n = fz_u8(in) % 8, i;

	fz_begin(z, in, &r, STUN_METHOD_CREATE_PERMISSION, STUN_CLASS_REQUEST);
	for (i = 0; i < n; i++) {
		fz_peer(fz_u8(in), &peer);
		stun_enc_put_xor_addr(&r.e, STUN_ATTR_XOR_PEER_ADDRESS, &peer);
	}
	fz_deliver(z, &r, true, false);
}

/* Channel numbers: four valid ones, both bounds, and just outside them. */
static uint16_t fz_channel(uint8_t b)
{
	static const uint16_t ch[8] = {0x4000, 0x4001, 0x4002, 0x4003,
				       0x7FFF, 0x3FFF, 0x8000, 0x4001};

	return ch[b % 8];
}

static void fz_channel_bind(struct fz_env *z, struct fz_in *in)
{
	struct fz_req r;
	struct addr peer;
	uint8_t ch = fz_u8(in), pi = fz_u8(in);

	fz_begin(z, in, &r, STUN_METHOD_CHANNEL_BIND, STUN_CLASS_REQUEST);
	if (!(ch & 0x80))
		stun_enc_put_u32(&r.e, STUN_ATTR_CHANNEL_NUMBER, (uint32_t)fz_channel(ch) << 16);
	fz_peer(pi, &peer);
	if (!(pi & 0x80))
		stun_enc_put_xor_addr(&r.e, STUN_ATTR_XOR_PEER_ADDRESS, &peer);
	fz_deliver(z, &r, true, false);
}

/* A request or indication of any method with fuzzer-chosen attributes, then signed. */
static void fz_raw(struct fz_env *z, struct fz_in *in)
{
	struct fz_req r;
	uint8_t mc = fz_u8(in), n = fz_u8(in) % 8, i, len;
	uint16_t type;
	uint8_t val[64];
	static const uint8_t big[64 * 40];

	fz_begin(z, in, &r, (uint16_t)(mc & 0x0f), (mc >> 4) & 1);
	for (i = 0; i < n; i++) {
		type = fz_u16(in);
		len = fz_u8(in);
		if (len >= 192) { /* a big one, zeros: beyond what a parked request may be */
			stun_enc_put(&r.e, type, big, (size_t)(len - 192) * 40);
			continue;
		}
		len %= sizeof(val);
		memset(val, 0, sizeof(val));
		for (uint8_t j = 0; j < len; j++)
			val[j] = fz_u8(in);
		stun_enc_put(&r.e, type, val, len);
	}
	fz_deliver(z, &r, true, mc & 0x20);
}

static void fz_send_indication(struct fz_env *z, struct fz_in *in)
{
	struct fz_req r;
	struct addr peer;
	uint8_t pi = fz_u8(in), len = fz_u8(in), data[256];

	fz_begin(z, in, &r, STUN_METHOD_SEND, STUN_CLASS_INDICATION);
	fz_peer(pi, &peer);
	memset(data, pi, sizeof(data));
	stun_enc_put_xor_addr(&r.e, STUN_ATTR_XOR_PEER_ADDRESS, &peer);
	if (!(pi & 0x80))
		stun_enc_put(&r.e, STUN_ATTR_DATA, data, len);
	if (pi & 0x40)
		stun_enc_put(&r.e, STUN_ATTR_DONT_FRAGMENT, NULL, 0);
	fz_deliver(z, &r, false, false);
}

static void fz_chdata(struct fz_env *z, struct fz_in *in)
{
	struct fz_client *cl = &z->cl[fz_u8(in) % FZ_CLIENTS];
	uint8_t ch = fz_u8(in), len = fz_u8(in), buf[STUN_CHDATA_HDR_LEN + 256 + 4] = {0};
	struct turn_pkt p = {
		.buf = buf, .src = &cl->c.src, .local = &cl->c.local, .conn = cl->c.conn};
	uint8_t out[TURN_RESP_MAX];

	stun_chdata_put_header(buf, fz_channel(ch), len);
	/* Over a stream the frame carries its padding (§12.5); bit 7 cuts the data short. */
	p.len = cl->c.conn->ops->stream ? stun_chdata_stream_len(len)
					: STUN_CHDATA_HDR_LEN + (size_t)len;
	if ((ch & 0x80) && p.len > STUN_CHDATA_HDR_LEN)
		p.len--;
	FUZZ_ASSERT(turn_server_input(z->w[cl->worker], &p, z->now, out, sizeof(out)) <= 0);
}

/* A datagram from a peer on one of the open relays of a live allocation. */
static void fz_peer_data(struct fz_env *z, struct fz_in *in)
{
	uint8_t pick = fz_u8(in), pi = fz_u8(in), len = fz_u8(in);
	uint8_t buf[TURN_PEER_HEADROOM + 256 + TURN_PEER_TAILROOM];
	const struct turn_client *client = NULL;
	const uint8_t *msg = NULL;
	struct turn_alloc *a = NULL;
	struct turn_ip ip;
	struct addr peer;
	int i, k = 0, rc;

	for (i = 0; i < z->net.nr; i++)
		k += z->net.r[i].open && !z->net.r[i].reservation;
	if (k == 0)
		return;
	k = pick % k;
	for (i = 0; i < z->net.nr && a == NULL; i++) {
		if (z->net.r[i].open && !z->net.r[i].reservation && k-- == 0)
			a = z->net.r[i].req.alloc;
	}
	fz_peer(pi, &peer);
	memset(buf, 0xEE, sizeof(buf));
	rc = turn_peer_input(a->s, a, &peer, buf + TURN_PEER_HEADROOM, len, z->now, &msg, &client);
	if (rc <= 0)
		return;
	/* Only from a permitted peer, to the allocation's own client, inside the buffer. */
	turn_ip_from_addr(&ip, &peer);
	FUZZ_ASSERT(turn_perm_find(a, &ip, z->now) != NULL);
	FUZZ_ASSERT(client == &a->client);
	FUZZ_ASSERT(msg >= buf && msg + rc <= buf + sizeof(buf));
}

/* An ICMP error on one of the open relays of a live allocation (RFC 8656 §11.5). */
static void fz_peer_icmp(struct fz_env *z, struct fz_in *in)
{
	uint8_t pick = fz_u8(in), pi = fz_u8(in), tb = fz_u8(in), code = fz_u8(in);
	struct turn_icmp ic = {
		.icmp6 = (tb & 0x80) != 0, .type = tb & 0x7f, .code = code, .mtu = 1280};
	struct turn_alloc *a = NULL;
	struct turn_ip ip;
	struct stun_msg m;
	struct fake_conn *fc;
	int i, k = 0, sends, rc;

	for (i = 0; i < z->net.nr; i++)
		k += z->net.r[i].open && !z->net.r[i].reservation;
	if (k == 0)
		return;
	k = pick % k;
	for (i = 0; i < z->net.nr && a == NULL; i++) {
		if (z->net.r[i].open && !z->net.r[i].reservation && k-- == 0)
			a = z->net.r[i].req.alloc;
	}
	fz_peer(pi, &ic.peer);
	fc = (struct fake_conn *)a->client.conn;
	sends = fc->sends;
	rc = turn_peer_icmp(a->s, a, &ic, z->now);
	if (fz_trace)
		fprintf(stderr, "  -> icmp %u/%u: %d\n", ic.type, ic.code, rc);
	if (rc != 0) {
		FUZZ_ASSERT(fc->sends == sends);
		return;
	}
	/* Reported: only for a permitted peer, one Data indication to its own client. */
	turn_ip_from_addr(&ip, &ic.peer);
	FUZZ_ASSERT(turn_perm_find(a, &ip, z->now) != NULL);
	FUZZ_ASSERT(fc->sends == sends + 1);
	FUZZ_ASSERT(stun_msg_decode(&m, fc->buf, fc->len) == 0 && m.method == STUN_METHOD_DATA &&
		    stun_msg_find(&m, STUN_ATTR_ICMP) != NULL);
}

static void fz_clock(struct fz_env *z, struct fz_in *in)
{
	static const uint32_t ms[8] = {1, 999, 5000, 30000, 60000, 299000, 600000, 3600000};
	uint8_t b = fz_u8(in);

	fz_tick(z, (b & 0x80) ? (uint64_t)(b & 0x7f) * 1000 : ms[b % 8]);
}

static void fz_client_gone(struct fz_env *z, struct fz_in *in)
{
	struct fz_client *cl = &z->cl[fz_u8(in) % FZ_CLIENTS];

	struct turn_server *s = z->w[cl->worker];

	/* net/ reports stream connections only; the allocation ends with it. */
	if (!cl->c.conn->ops->stream)
		return;
	turn_server_client_gone(s, &cl->c);
	FUZZ_ASSERT(turn_alloc_find(&s->allocs, cl->c.conn, &cl->c.src, &cl->c.local) == NULL);
}

/* Relay faults for the next open: none, no port, an error, no such family; IPv6 relays
 * unavailable; no reservation possible. */
static void fz_net_fault(struct fz_env *z, struct fz_in *in)
{
	static const int err[4] = {0, -ENOSPC, -EIO, -EAFNOSUPPORT};
	uint8_t b = fz_u8(in);

	z->net.fail_next = err[b & 3];
	z->net.fail_v6 = (b & 4) ? -EAFNOSUPPORT : 0;
	z->net.no_reserve = (b & 8) != 0;
}

/* Credential store: answer pending lookups, switch sync/async, fail lookups or results. */
static void fz_creds(struct fz_env *z, struct fz_in *in)
{
	uint8_t b = fz_u8(in);
	int i;

	for (i = 0; i < FZ_WORKERS; i++) {
		struct fake_creds *f = &z->creds[i];

		f->fail = (b & 2) ? -EIO : 0;
		f->status = (b & 4) ? -EIO : 0;
		f->limits.max_bps = (b & 0x10) ? 8000 : 0; /* the realm's max-bps */
		if (b & 8)
			f->async = !f->async;
		if (b & 1)
			fake_creds_complete(f);
	}
}

typedef void (*fz_step_cb)(struct fz_env *z, struct fz_in *in);

static const fz_step_cb fz_steps[] = {
	fz_allocate,	 fz_allocate,	     fz_refresh,   fz_create_permission,
	fz_channel_bind, fz_send_indication, fz_chdata,	   fz_peer_data,
	fz_clock,	 fz_client_gone,     fz_net_fault, fz_creds,
	fz_raw,		 fz_peer_icmp,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fz_env z; /* large (the fake net): not on the stack */
	struct fz_in in = {.p = data, .n = size};
	uint8_t conf = fz_u8(&in), conf2 = fz_u8(&in);
	int step;

	FUZZ_ASSERT(fz_env_init(&z, conf, conf2) == 0);
	fz_check(&z);
	fz_trace = getenv("FUZZ_TURN_TRACE") != NULL;
	for (step = 0; step < FZ_MAX_STEPS && in.off < in.n; step++) {
		if (fz_trace)
			fprintf(stderr, "step %d: op %u\n", step,
				in.p[in.off] % (unsigned)(sizeof(fz_steps) / sizeof(fz_steps[0])));
		fz_steps[fz_u8(&in) % (sizeof(fz_steps) / sizeof(fz_steps[0]))](&z, &in);
		fz_check(&z);
	}
	fz_env_finish(&z, (conf & 0x40) != 0);
	return 0;
}
