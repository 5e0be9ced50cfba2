/* TURN through a real net_server on the loopback: a raw client built with the codec
 * allocates with long-term credentials (MD5 key) over UDP and over TCP, creates a
 * permission for a local UDP peer, sends with Send indications and ChannelData, and gets
 * Data indications and ChannelData back; an ICMP port unreachable from a closed peer port
 * leaves the allocation working; EVEN-PORT reserves the next port for a token; a two-port
 * relay range refuses the third allocation with 508; relay-ip defaults and external-ip
 * mapping. */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "auth/key.h"
#include "auth/nonce.h"
#include "base/addr.h"
#include "base/bytes.h"
#include "base/iprange.h"
#include "base/log.h"
#include "cred/static.h"
#include "net/relay_addr.h"
#include "net/server.h"
#include "stun/chdata.h"
#include "stun/enc.h"
#include "stun/msg.h"
#include "stun/icmp.h"
#include "stun/stun.h"
#include "turn/peer.h"
#include "turn/server.h"
#include "tap.h"

#define REALM	"tern.test"
#define USER	"alice"
#define PASS	"s3cret"
#define CHANNEL 0x4001
#define WAIT_MS 2000
#define THREADS 2

/* A server with everything TURN needs, owned by the test. */
struct tsrv {
	struct net_server *s;
	struct turn_cfg tc;
	struct auth_nonce_key nk;
	struct peer_policy *pp;
	struct turn_relayset *rs;
	struct turn_shared *sh;
	struct cred_static *users;
	struct cred_store creds[THREADS];
	int ncreds;
	struct addr udp, tcp;
};

/* A client of one transport with its credentials and state. */
struct tcl {
	int fd;
	bool tcp;
	uint8_t key[AUTH_KEY_MAX];
	char nonce[AUTH_NONCE_MAX + 1];
	uint32_t seq;
	struct addr relayed;
	uint8_t token[8]; /* RESERVATION-TOKEN received */
	bool has_token;
};

/* Optional attributes of a request. */
struct treq {
	uint16_t method;
	const struct addr *peer; /* XOR-PEER-ADDRESS */
	uint16_t channel;	 /* CHANNEL-NUMBER; 0 = none */
	bool auth;		 /* USERNAME, REALM, NONCE, MESSAGE-INTEGRITY */
	bool even_reserve;	 /* EVEN-PORT with the R bit */
	const uint8_t *token;	 /* RESERVATION-TOKEN (8 bytes) */
};

/* One view of the static users per worker (the TURN core frees only the view's impl,
 * which for the static store is nothing). */
static int cred_new(void *arg, struct event_base *base, struct cred_store **out)
{
	struct tsrv *t = arg;

	(void)base;
	if (t->ncreds == THREADS)
		return -ENOSPC;
	cred_static_store(t->users, &t->creds[t->ncreds]);
	*out = &t->creds[t->ncreds++];
	return 0;
}

static int tsrv_turn(struct tsrv *t, const struct net_opts *o)
{
	static const char *const users[] = {USER ":" PASS};
	struct iprange_list none = {0};
	struct peer_policy_cfg pc = {
		.allowed = &none,
		.denied = &none,
		.allow_loopback = true,
	};
	struct turn_relayset_cfg rc = {
		.relay = o->relay, .nrelay = o->nrelay, .loopback_open = true};

	if (auth_nonce_key_init(&t->nk, 0, 0) < 0 || turn_shared_new(&t->sh) < 0 ||
	    peer_policy_new(&pc, &t->pp) < 0 || turn_relayset_new(&rc, &t->rs) < 0 ||
	    cred_static_new(REALM, users, 1, &t->users) < 0)
		return -1;
	t->tc = (struct turn_cfg){
		.realm = REALM,
		.default_lifetime_s = 600,
		.max_lifetime_s = 3600,
		.perm_lifetime_s = 300,
		.channel_lifetime_s = 600,
		.max_perms = 16,
		.peers = t->pp,
		.relays = t->rs,
		.nonce_key = &t->nk,
		.shared = t->sh,
	};
	return 0;
}

static int tsrv_start(struct tsrv *t, uint16_t min_port, uint16_t max_port)
{
	struct net_opts o = {
		.threads = THREADS,
		.nlisten = 1,
		.min_port = min_port,
		.max_port = max_port,
		.cred_new = cred_new,
		.cred_arg = t,
	};

	memset(t, 0, sizeof(*t));
	addr_parse(&o.listen[0], "127.0.0.1", 0);
	if (net_opts_relay_addrs(&o) < 0 || tsrv_turn(t, &o) < 0)
		return -1;
	o.turn = &t->tc;
	if (net_server_new(&o, &t->s) < 0 || net_server_start(t->s) < 0)
		return -1;
	net_server_local_addr(t->s, 0, false, &t->udp);
	net_server_local_addr(t->s, 0, true, &t->tcp);
	return 0;
}

static void tsrv_stop(struct tsrv *t)
{
	if (t->s) {
		net_server_stop(t->s);
		net_server_free(t->s);
	}
	cred_static_free(t->users);
	if (t->pp)
		peer_policy_free(t->pp);
	turn_relayset_free(t->rs);
	if (t->sh)
		turn_shared_free(t->sh);
}

/* Reads exactly n bytes (TCP) within WAIT_MS. */
static bool read_full(int fd, uint8_t *buf, size_t n)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	size_t got = 0;

	while (got < n && poll(&p, 1, WAIT_MS) == 1) {
		ssize_t r = recv(fd, buf + got, n - got, 0);

		if (r <= 0)
			return false;
		got += (size_t)r;
	}
	return got == n;
}

/* One datagram or one stream frame into buf. Returns its length or -1. */
static int tcl_recv(struct tcl *c, uint8_t *buf, size_t cap)
{
	struct pollfd p = {.fd = c->fd, .events = POLLIN};
	size_t len;

	if (!c->tcp) {
		if (poll(&p, 1, WAIT_MS) != 1)
			return -1;
		return (int)recv(c->fd, buf, cap, 0);
	}
	if (!read_full(c->fd, buf, 4))
		return -1;
	len = bytes_get16(buf + 2);
	len = stun_chdata_is(buf, 4) ? stun_chdata_stream_len(len) : STUN_HDR_LEN + len;
	if (len > cap || !read_full(c->fd, buf + 4, len - 4))
		return -1;
	return (int)len;
}

static bool tcl_open(struct tcl *c, const struct tsrv *t, bool tcp)
{
	const struct addr *a = tcp ? &t->tcp : &t->udp;

	memset(c, 0, sizeof(*c));
	c->tcp = tcp;
	c->fd = socket(AF_INET, (tcp ? SOCK_STREAM : SOCK_DGRAM) | SOCK_CLOEXEC, 0);
	auth_key_derive(AUTH_KEY_MD5, USER, strlen(USER), REALM, strlen(REALM), PASS, strlen(PASS),
			c->key);
	return c->fd >= 0 && connect(c->fd, &a->u.sa, addr_len(a)) == 0;
}

static int tcl_build(struct tcl *c, const struct treq *r, uint8_t *buf, size_t cap)
{
	uint8_t tid[STUN_TID_LEN] = {0x7e};
	struct stun_enc e;

	bytes_put32(tid + 8, ++c->seq);
	stun_enc_init(&e, buf, cap, r->method, STUN_CLASS_REQUEST, tid);
	if (r->method == STUN_METHOD_ALLOCATE)
		stun_enc_put_u32(&e, STUN_ATTR_REQUESTED_TRANSPORT, STUN_TRANSPORT_UDP << 24);
	if (r->peer)
		stun_enc_put_xor_addr(&e, STUN_ATTR_XOR_PEER_ADDRESS, r->peer);
	if (r->channel)
		stun_enc_put_u32(&e, STUN_ATTR_CHANNEL_NUMBER, (uint32_t)r->channel << 16);
	if (r->even_reserve)
		stun_enc_put(&e, STUN_ATTR_EVEN_PORT, "\x80", 1);
	if (r->token)
		stun_enc_put(&e, STUN_ATTR_RESERVATION_TOKEN, r->token, 8);
	if (r->auth) {
		stun_enc_put(&e, STUN_ATTR_USERNAME, USER, strlen(USER));
		stun_enc_put(&e, STUN_ATTR_REALM, REALM, strlen(REALM));
		stun_enc_put(&e, STUN_ATTR_NONCE, c->nonce, strlen(c->nonce));
		stun_enc_put_integrity_sha1(&e, c->key, 16);
	}
	stun_enc_put_fingerprint(&e);
	return stun_enc_finish(&e);
}

/* Sends a request and decodes the response into *m (borrowing resp). Returns 0 for a
 * success response, the error code, or -1 without a response. Keeps a NONCE it gets. */
static int tcl_call(struct tcl *c, const struct treq *r, struct stun_msg *m, uint8_t *resp,
		    size_t cap)
{
	uint8_t req[512];
	struct stun_str nonce;
	struct stun_str reason;
	int n = tcl_build(c, r, req, sizeof(req)), code = -1;

	if (n <= 0 || send(c->fd, req, (size_t)n, 0) != n)
		return -1;
	/* Data indications (an ICMP report, RFC 8656 §11.5) may come first. */
	for (int i = 0; i < 16; i++) {
		n = tcl_recv(c, resp, cap);
		if (n <= 0 || stun_msg_decode(m, resp, (size_t)n) < 0)
			return -1;
		if (m->cls != STUN_CLASS_INDICATION)
			break;
	}
	if (m->method != r->method)
		return -1;
	if (stun_msg_get_bytes(m, STUN_ATTR_NONCE, &nonce) == 0 && nonce.len < sizeof(c->nonce)) {
		memcpy(c->nonce, nonce.p, nonce.len);
		c->nonce[nonce.len] = '\0';
	}
	if (m->cls == STUN_CLASS_SUCCESS)
		return 0;
	if (m->cls == STUN_CLASS_ERROR)
		stun_msg_get_error(m, &code, &reason);
	return code;
}

/* The 401 challenge, then an authenticated Allocate with r's extras (NULL: none).
 * Returns 0 or the error code. */
static int tcl_allocate_with(struct tcl *c, const struct treq *extra)
{
	struct treq r = {.method = STUN_METHOD_ALLOCATE};
	uint8_t resp[512];
	struct stun_msg m;
	struct stun_str tok;
	int rc = tcl_call(c, &r, &m, resp, sizeof(resp));

	if (rc != 401)
		return rc < 0 ? -1 : rc;
	if (extra)
		r = *extra;
	r.method = STUN_METHOD_ALLOCATE;
	r.auth = true;
	rc = tcl_call(c, &r, &m, resp, sizeof(resp));
	if (rc == 0 && stun_msg_get_xor_addr(&m, STUN_ATTR_XOR_RELAYED_ADDRESS, &c->relayed) < 0)
		return -1;
	c->has_token = rc == 0 && stun_msg_get_bytes(&m, STUN_ATTR_RESERVATION_TOKEN, &tok) == 0;
	if (c->has_token)
		memcpy(c->token, tok.p, sizeof(c->token));
	return rc;
}

static int tcl_allocate(struct tcl *c)
{
	return tcl_allocate_with(c, NULL);
}

static int tcl_simple(struct tcl *c, uint16_t method, const struct addr *peer, uint16_t channel)
{
	struct treq r = {.method = method, .peer = peer, .channel = channel, .auth = true};
	uint8_t resp[512];
	struct stun_msg m;

	return tcl_call(c, &r, &m, resp, sizeof(resp));
}

static void tcl_send_ind(struct tcl *c, const struct addr *peer, const char *data)
{
	uint8_t buf[512], tid[STUN_TID_LEN] = {0x5e};
	struct stun_enc e;
	int n;

	stun_enc_init(&e, buf, sizeof(buf), STUN_METHOD_SEND, STUN_CLASS_INDICATION, tid);
	stun_enc_put_xor_addr(&e, STUN_ATTR_XOR_PEER_ADDRESS, peer);
	stun_enc_put(&e, STUN_ATTR_DATA, data, strlen(data));
	n = stun_enc_finish(&e);
	if (n > 0 && send(c->fd, buf, (size_t)n, 0) != n)
		return;
}

static void tcl_send_chdata(struct tcl *c, const char *data)
{
	uint8_t buf[512] = {0};
	size_t len = strlen(data), n = c->tcp ? stun_chdata_stream_len(len) : 4 + len;

	stun_chdata_put_header(buf, CHANNEL, (uint16_t)len);
	memcpy(buf + 4, data, len);
	if (send(c->fd, buf, n, 0) != (ssize_t)n)
		return;
}

/* A Data indication from peer carrying data. */
static bool tcl_got_data_ind(struct tcl *c, const struct addr *peer, const char *data)
{
	uint8_t buf[1024];
	struct stun_msg m;
	struct stun_str d;
	struct addr from;
	int n = tcl_recv(c, buf, sizeof(buf));

	return n > 0 && stun_msg_decode(&m, buf, (size_t)n) == 0 && m.method == STUN_METHOD_DATA &&
	       m.cls == STUN_CLASS_INDICATION &&
	       stun_msg_get_xor_addr(&m, STUN_ATTR_XOR_PEER_ADDRESS, &from) == 0 &&
	       addr_eq(&from, peer) && stun_msg_get_bytes(&m, STUN_ATTR_DATA, &d) == 0 &&
	       d.len == strlen(data) && memcmp(d.p, data, d.len) == 0;
}

/* A Data indication reporting an ICMP error (RFC 8656 §11.5) about a datagram to peer:
 * XOR-PEER-ADDRESS and ICMP, no DATA. */
static bool tcl_got_icmp(struct tcl *c, const struct addr *peer, uint8_t type, uint8_t code)
{
	uint8_t buf[1024];
	struct stun_msg m;
	struct stun_icmp ic;
	struct addr from;
	int n = tcl_recv(c, buf, sizeof(buf));

	return n > 0 && stun_msg_decode(&m, buf, (size_t)n) == 0 && m.method == STUN_METHOD_DATA &&
	       m.cls == STUN_CLASS_INDICATION &&
	       stun_msg_get_xor_addr(&m, STUN_ATTR_XOR_PEER_ADDRESS, &from) == 0 &&
	       addr_eq(&from, peer) && stun_msg_get_icmp(&m, &ic) == 0 && ic.type == type &&
	       ic.code == code && ic.data == 0 && stun_msg_find(&m, STUN_ATTR_DATA) == NULL;
}

static bool tcl_got_chdata(struct tcl *c, const char *data)
{
	uint8_t buf[1024];
	struct stun_chdata cd;
	int n = tcl_recv(c, buf, sizeof(buf));

	return n > 0 && stun_chdata_parse(&cd, buf, (size_t)n) == 0 && cd.channel == CHANNEL &&
	       cd.len == strlen(data) && memcmp(cd.data, data, cd.len) == 0;
}

/* A UDP socket on 127.0.0.1 (any port); its address in *a. */
static int udp_bound(struct addr *a)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	socklen_t sl = sizeof(a->u.ss);

	addr_parse(a, "127.0.0.1", 0);
	bind(fd, &a->u.sa, addr_len(a));
	getsockname(fd, &a->u.sa, &sl);
	return fd;
}

/* The peer got data from the relayed address. */
static bool peer_got(int fd, const struct addr *relayed, const char *data)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	char buf[512];
	struct addr from;
	socklen_t sl = sizeof(from.u.ss);
	ssize_t n;

	memset(&from, 0, sizeof(from));
	if (poll(&p, 1, WAIT_MS) != 1)
		return false;
	n = recvfrom(fd, buf, sizeof(buf), 0, &from.u.sa, &sl);
	return n == (ssize_t)strlen(data) && memcmp(buf, data, (size_t)n) == 0 &&
	       addr_eq(&from, relayed);
}

static void peer_send(int fd, const struct addr *relayed, const char *data)
{
	if (sendto(fd, data, strlen(data), 0, &relayed->u.sa, addr_len(relayed)) < 0)
		return;
}

/* Allocation, permission, both directions with Send/Data and with ChannelData. */
static void t_relay(const struct tsrv *t, bool tcp)
{
	const char *w = tcp ? "tcp" : "udp";
	struct addr peer;
	int pfd = udp_bound(&peer);
	struct tcl c;

	CHECK(tcl_open(&c, t, tcp), "%s: client connected", w);
	CHECK_EQ_INT(tcl_allocate(&c), 0, "%s: allocate with long-term credentials", w);
	CHECK(addr_port(&c.relayed) != 0, "%s: relayed address", w);
	CHECK_EQ_INT(tcl_simple(&c, STUN_METHOD_CREATE_PERMISSION, &peer, 0), 0,
		     "%s: create permission", w);
	tcl_send_ind(&c, &peer, "hello peer");
	CHECK(peer_got(pfd, &c.relayed, "hello peer"), "%s: Send indication reaches the peer", w);
	peer_send(pfd, &c.relayed, "hello client");
	CHECK(tcl_got_data_ind(&c, &peer, "hello client"), "%s: Data indication back", w);
	CHECK_EQ_INT(tcl_simple(&c, STUN_METHOD_CHANNEL_BIND, &peer, CHANNEL), 0,
		     "%s: channel bind", w);
	tcl_send_chdata(&c, "over channel");
	CHECK(peer_got(pfd, &c.relayed, "over channel"), "%s: ChannelData reaches the peer", w);
	peer_send(pfd, &c.relayed, "channel back!");
	CHECK(tcl_got_chdata(&c, "channel back!"), "%s: ChannelData back", w);
	close(c.fd);
	close(pfd);
}

/* Port unreachable from a closed peer port: the allocation keeps relaying. */
static void t_icmp(const struct tsrv *t)
{
	struct addr peer, closed;
	int pfd = udp_bound(&peer), cfd = udp_bound(&closed);
	struct tcl c;

	close(cfd);
	CHECK(tcl_open(&c, t, false), "icmp: client");
	CHECK_EQ_INT(tcl_allocate(&c), 0, "icmp: allocate");
	CHECK_EQ_INT(tcl_simple(&c, STUN_METHOD_CHANNEL_BIND, &peer, CHANNEL), 0,
		     "icmp: channel bind");
	for (int i = 0; i < 3; i++) {
		tcl_send_ind(&c, &closed, "nobody home");
		usleep(20000);
	}
	/* RFC 8656 §11.5: each port unreachable reported (127.0.0.1 has a permission). */
	for (int i = 0; i < 3; i++)
		CHECK(tcl_got_icmp(&c, &closed, 3, 3), "icmp: Data indication with ICMP 3/3 %d", i);
	tcl_send_chdata(&c, "still here");
	CHECK(peer_got(pfd, &c.relayed, "still here"), "icmp: relaying after port unreachable");
	peer_send(pfd, &c.relayed, "and back");
	CHECK(tcl_got_chdata(&c, "and back"), "icmp: peer data still delivered");
	/* The error lands on the relay socket during the first send; the next send, handled
	 * in the same batch, must not be lost to it. */
	tcl_send_ind(&c, &closed, "nobody home");
	tcl_send_chdata(&c, "right behind");
	CHECK(peer_got(pfd, &c.relayed, "right behind"), "icmp: send right after an error");
	CHECK_EQ_INT(tcl_simple(&c, STUN_METHOD_REFRESH, NULL, 0), 0, "icmp: refresh succeeds");
	close(c.fd);
	close(pfd);
}

/* EVEN-PORT with R: an even port, and a token that a second allocation turns into the
 * next port (RTP/RTCP pairs, as turnutils_uclient does by default). */
static void t_even_port(const struct tsrv *t)
{
	struct treq even = {.even_reserve = true}, take = {0};
	struct tcl a, b;

	CHECK(tcl_open(&a, t, false) && tcl_open(&b, t, false), "even: clients");
	CHECK_EQ_INT(tcl_allocate_with(&a, &even), 0, "even: allocate with EVEN-PORT R");
	CHECK(addr_port(&a.relayed) % 2 == 0 && a.has_token, "even: port %u even, token",
	      addr_port(&a.relayed));
	take.token = a.token;
	CHECK_EQ_INT(tcl_allocate_with(&b, &take), 0, "even: allocate with the token");
	CHECK_EQ_INT(addr_port(&b.relayed), addr_port(&a.relayed) + 1, "even: the next port");
	close(a.fd);
	close(b.fd);
}

/* Two ports: two allocations fit, the third gets 508. */
static void t_exhaustion(uint16_t port)
{
	struct tsrv t;
	struct tcl c[3];

	CHECK_EQ_INT(tsrv_start(&t, port, (uint16_t)(port + 1)), 0, "small range: started");
	for (int i = 0; i < 3 && t.s; i++)
		CHECK(tcl_open(&c[i], &t, false), "small range: client %d", i);
	if (t.s) {
		CHECK_EQ_INT(tcl_allocate(&c[0]), 0, "small range: first allocation");
		CHECK_EQ_INT(tcl_allocate(&c[1]), 0, "small range: second allocation");
		CHECK_EQ_INT(tcl_allocate(&c[2]), 508, "small range: third gets 508");
		for (int i = 0; i < 3; i++)
			close(c[i].fd);
	}
	tsrv_stop(&t);
}

/* A port p with p and p + 1 free on 127.0.0.1 now. */
static uint16_t free_pair(void)
{
	for (unsigned i = 0; i < 1000; i++) {
		uint16_t p = (uint16_t)(20000 + ((unsigned)getpid() * 7 + i * 2) % 20000);
		struct addr a;
		int f[2], ok = 0;

		for (int k = 0; k < 2; k++) {
			addr_parse(&a, "127.0.0.1", (uint16_t)(p + k));
			f[k] = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
			ok += bind(f[k], &a.u.sa, addr_len(&a)) == 0;
		}
		close(f[0]);
		close(f[1]);
		if (ok == 2)
			return p;
	}
	return 20000;
}

/* relay-ip defaults, the choice per client, external-ip mapping. */
static void t_relay_addrs(void)
{
	struct net_opts o = {.nlisten = 2};
	struct addr local, got;
	char buf[ADDR_STR_MAX];

	addr_parse(&o.listen[0], "127.0.0.1", 3478);
	addr_parse(&o.listen[1], "::", 3478);
	CHECK_EQ_INT(net_opts_relay_addrs(&o), 0, "relay defaults");
	CHECK(o.nrelay >= 1 && addr_family(&o.relay[0]) == AF_INET && addr_port(&o.relay[0]) == 0,
	      "a concrete listening address is a relay address, port 0");
	for (size_t i = 1; i < o.nrelay; i++)
		if (addr_family(&o.relay[i]) != AF_INET6 || !peer_addr_is_relayable(&o.relay[i]))
			o.nrelay = 0;
	CHECK(o.nrelay >= 1,
	      "wildcard :: adds only IPv6 addresses a peer could reach (never ::1, fe80::/10)");
	addr_parse(&o.relay[1], "192.0.2.7", 0);
	o.nrelay = 2;
	addr_parse(&local, "192.0.2.7", 3478);
	CHECK(net_relay_addr_pick(&o, AF_INET, &local) == &o.relay[1], "the client's address");
	CHECK(net_relay_addr_pick(&o, AF_INET, NULL) == &o.relay[0], "else the first");
	o.nrelay = 1;
	CHECK(net_relay_addr_pick(&o, AF_INET6, NULL) == NULL, "no relay of that family");
	addr_parse(&o.external[0].pub, "203.0.113.1", 0);
	addr_parse(&o.external[1].pub, "203.0.113.2", 0);
	addr_parse(&o.external[1].priv, "192.0.2.7", 0);
	o.external[1].has_priv = true;
	o.nexternal = 2;
	addr_parse(&local, "192.0.2.7", 50000);
	net_relay_addr_external(&o, &local, &got);
	CHECK(strcmp(addr_to_str(&got, buf, sizeof(buf)), "203.0.113.2:50000") == 0,
	      "PUBLIC/PRIVATE mapping (%s)", buf);
	addr_parse(&local, "198.51.100.9", 50001);
	net_relay_addr_external(&o, &local, &got);
	CHECK(strcmp(addr_to_str(&got, buf, sizeof(buf)), "203.0.113.1:50001") == 0,
	      "PUBLIC alone maps any relay address (%s)", buf);
	addr_parse(&local, "::1", 50002);
	net_relay_addr_external(&o, &local, &got);
	CHECK(addr_eq(&got, &local), "no mapping for another family");
}

int main(void)
{
	struct tsrv t;

	log_open(NULL, false, LOG_LVL_WARN);
	CHECK_EQ_INT(tsrv_start(&t, 49152, 65535), 0, "server with TURN started");
	if (t.s) {
		t_relay(&t, false);
		t_relay(&t, true);
		t_icmp(&t);
		t_even_port(&t);
	}
	tsrv_stop(&t);
	t_exhaustion(free_pair());
	t_relay_addrs();
	return tap_done();
}
