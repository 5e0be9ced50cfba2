/* net_server end to end on the loopback: Binding over UDP and TCP (IPv4 and IPv6) from a
 * STUN-only server, port 0, garbage that must not stop the answers, and a prompt stop. */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "base/addr.h"
#include "base/log.h"
#include "net/server.h"
#include "stun/enc.h"
#include "stun/msg.h"
#include "stun/stun.h"
#include "tap.h"
#include "turn/server.h"

static const uint8_t tid[STUN_TID_LEN] = {9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 1, 2};

static int t_request(uint8_t *buf, size_t cap)
{
	struct stun_enc e;

	stun_enc_init(&e, buf, cap, STUN_METHOD_BINDING, STUN_CLASS_REQUEST, tid);
	stun_enc_put_fingerprint(&e);
	return stun_enc_finish(&e);
}

/* Reads until n bytes arrived or 2 s passed. Returns the bytes read. */
static size_t t_read(int fd, uint8_t *buf, size_t n)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	size_t got = 0;

	while (got < n && poll(&p, 1, 2000) == 1) {
		ssize_t r = recv(fd, buf + got, n - got, 0);
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	return got;
}

/* The response in buf[0..len) is a Binding success mapping to fd's own address. */
static bool t_is_mapped(int fd, const uint8_t *buf, size_t len)
{
	struct stun_msg m;
	struct addr got, self;
	socklen_t sl = sizeof(self.u.ss);

	memset(&self, 0, sizeof(self));
	if (getsockname(fd, &self.u.sa, &sl) < 0 || stun_msg_decode(&m, buf, len) < 0)
		return false;
	return m.cls == STUN_CLASS_SUCCESS && memcmp(m.tid, tid, STUN_TID_LEN) == 0 &&
	       stun_msg_get_xor_addr(&m, STUN_ATTR_XOR_MAPPED_ADDRESS, &got) == 0 &&
	       addr_eq(&got, &self);
}

static void t_udp(const struct addr *srv, const char *what)
{
	uint8_t req[64], resp[256], junk[100];
	int fd = socket(addr_family(srv), SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int n = t_request(req, sizeof(req));
	size_t got;

	connect(fd, &srv->u.sa, addr_len(srv));
	memset(junk, 0xA5, sizeof(junk));
	send(fd, junk, sizeof(junk), 0);
	memset(junk, 0, sizeof(junk));
	send(fd, junk, 20, 0);
	send(fd, req, (size_t)n, 0);
	got = t_read(fd, resp, 1); /* one datagram */
	CHECK(got > 0, "%s: UDP answered after garbage", what);
	got = (size_t)recv(fd, resp, sizeof(resp), MSG_DONTWAIT);
	CHECK(got == (size_t)-1, "%s: only the request was answered", what);
	close(fd);
}

static void t_udp_mapped(const struct addr *srv, const char *what)
{
	uint8_t req[64], resp[256];
	int fd = socket(addr_family(srv), SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int n = t_request(req, sizeof(req));
	struct pollfd p = {.fd = fd, .events = POLLIN};
	ssize_t got = -1;

	connect(fd, &srv->u.sa, addr_len(srv));
	send(fd, req, (size_t)n, 0);
	if (poll(&p, 1, 2000) == 1)
		got = recv(fd, resp, sizeof(resp), 0);
	CHECK(got > 0 && t_is_mapped(fd, resp, (size_t)got), "%s: UDP XOR-MAPPED-ADDRESS", what);
	close(fd);
}

static void t_tcp(const struct addr *srv, const char *what)
{
	uint8_t req[64], two[128], resp[256];
	int fd = socket(addr_family(srv), SOCK_STREAM | SOCK_CLOEXEC, 0);
	int n = t_request(req, sizeof(req));
	size_t got, rlen;

	CHECK_EQ_INT(connect(fd, &srv->u.sa, addr_len(srv)), 0, "%s: TCP connect", what);
	/* Two requests coalesced, the second split across writes. */
	memcpy(two, req, (size_t)n);
	memcpy(two + n, req, (size_t)n);
	send(fd, two, (size_t)n + 5, 0);
	usleep(20000);
	send(fd, two + n + 5, (size_t)n - 5, 0);
	/* Header, XOR-MAPPED-ADDRESS, FINGERPRINT. */
	rlen = STUN_HDR_LEN + (addr_family(srv) == AF_INET6 ? 24 : 12) + 8;
	got = t_read(fd, resp, 2 * rlen);
	CHECK(got == 2 * rlen && t_is_mapped(fd, resp, rlen) && t_is_mapped(fd, resp + rlen, rlen),
	      "%s: two TCP responses (%zu bytes)", what, got);
	/* Garbage closes the connection. */
	send(fd, "\xff\xff\xff\xff", 4, 0);
	CHECK_EQ_INT(t_read(fd, resp, 1), 0, "%s: TCP garbage closes the connection", what);
	close(fd);
}

static double t_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(void)
{
	struct turn_cfg tc = {.stun_only = true};
	struct net_opts o = {.threads = 2, .port = 0, .nlisten = 2, .turn = &tc};
	struct net_server *s = NULL;
	struct addr a;
	double t0;

	log_open(NULL, false, LOG_LVL_WARN);
	addr_parse(&o.listen[0], "127.0.0.1", 0);
	addr_parse(&o.listen[1], "::1", 0);
	CHECK_EQ_INT(net_server_new(&o, &s), 0, "server created");
	if (!s)
		return tap_done();
	CHECK_EQ_INT(net_server_nlisten(s), 2, "two listening addresses");
	CHECK_EQ_INT(net_server_start(s), 0, "server started");
	for (size_t i = 0; i < 2; i++) {
		const char *what = i ? "::1" : "127.0.0.1";

		net_server_local_addr(s, i, false, &a);
		CHECK(addr_port(&a) != 0, "%s: UDP port chosen", what);
		t_udp_mapped(&a, what);
		t_udp(&a, what);
		net_server_local_addr(s, i, true, &a);
		t_tcp(&a, what);
	}
	t0 = t_now();
	net_server_stop(s);
	CHECK(t_now() - t0 < 1.0, "stop within a second (%.3f s)", t_now() - t0);
	net_server_free(s);
	return tap_done();
}
