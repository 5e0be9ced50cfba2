/* RFC 5780 in net/: the pairing of listening addresses (net_alt_pair), and a STUN-only
 * net_server on 127.0.0.1 and 127.0.0.2 with an alternate port answering over real sockets:
 * each CHANGE-REQUEST combination leaves from the socket RFC 5780 §6.1 Table 1 names, a
 * request to the alternate port is answered there, RESPONSE-PORT reaches another socket. */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/addr.h"
#include "base/bytes.h"
#include "base/log.h"
#include "net/alt.h"
#include "net/server.h"
#include "stun/enc.h"
#include "stun/msg.h"
#include "stun/stun.h"
#include "tap.h"
#include "turn/server.h"

static void test_pair(void)
{
	struct addr a[4];

	addr_parse(&a[0], "192.0.2.1", 0);
	addr_parse(&a[1], "2001:db8::1", 0);
	addr_parse(&a[2], "192.0.2.2", 0);
	addr_parse(&a[3], "192.0.2.3", 0);
	CHECK_EQ_INT(net_alt_pair(a, 4, 0), 2, "next of the family");
	CHECK_EQ_INT(net_alt_pair(a, 4, 2), 3, "next again");
	CHECK_EQ_INT(net_alt_pair(a, 4, 3), 0, "wraps around");
	CHECK_EQ_INT(net_alt_pair(a, 4, 1), -1, "alone in its family");
	CHECK_EQ_INT(net_alt_pair(a, 1, 0), -1, "one address");
}

/* A UDP socket on ip, bound to port (0: any). -1 on failure. */
static int t_sock(const char *ip, uint16_t port)
{
	struct addr a;
	int fd;

	addr_parse(&a, ip, port);
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 && bind(fd, &a.u.sa, addr_len(&a)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* A port P with P and P + 1 free on both addresses (probed, then released). */
static uint16_t t_ports(void)
{
	for (int tries = 0; tries < 50; tries++) {
		int fd = t_sock("127.0.0.1", 0), ok = 1, f[4];
		struct addr a;
		socklen_t sl = sizeof(a.u.ss);

		if (fd < 0 || getsockname(fd, &a.u.sa, &sl) < 0 || addr_port(&a) > 60000) {
			if (fd >= 0)
				close(fd);
			continue;
		}
		close(fd);
		f[0] = t_sock("127.0.0.1", addr_port(&a));
		f[1] = t_sock("127.0.0.1", (uint16_t)(addr_port(&a) + 1));
		f[2] = t_sock("127.0.0.2", addr_port(&a));
		f[3] = t_sock("127.0.0.2", (uint16_t)(addr_port(&a) + 1));
		for (int i = 0; i < 4; i++) {
			ok &= f[i] >= 0;
			if (f[i] >= 0)
				close(f[i]);
		}
		if (ok)
			return addr_port(&a);
	}
	return 0;
}

/* Sends a Binding request from fd to ip:port with CHANGE-REQUEST flags (cr < 0: none)
 * and RESPONSE-PORT rport (0: none); waits for a datagram on rfd; *from is its source. */
static bool t_ask(int fd, int rfd, const char *ip, uint16_t port, int cr, uint16_t rport,
		  struct addr *from)
{
	static const uint8_t tid[STUN_TID_LEN] = {5, 7, 8, 0, 5, 7, 8, 0};
	uint8_t buf[256], rp[4] = {0};
	struct stun_enc e;
	struct stun_msg m;
	struct addr to;
	struct pollfd p = {.fd = rfd, .events = POLLIN};
	socklen_t sl = sizeof(from->u.ss);
	ssize_t n;

	stun_enc_init(&e, buf, sizeof(buf), STUN_METHOD_BINDING, STUN_CLASS_REQUEST, tid);
	if (cr >= 0)
		stun_enc_put_u32(&e, STUN_ATTR_CHANGE_REQUEST, (uint32_t)cr);
	if (rport) {
		bytes_put16(rp, rport);
		stun_enc_put(&e, STUN_ATTR_RESPONSE_PORT, rp, 4);
	}
	addr_parse(&to, ip, port);
	if (sendto(fd, buf, (size_t)stun_enc_finish(&e), 0, &to.u.sa, addr_len(&to)) < 0 ||
	    poll(&p, 1, 2000) != 1)
		return false;
	memset(from, 0, sizeof(*from));
	n = recvfrom(rfd, buf, sizeof(buf), 0, &from->u.sa, &sl);
	return n > 0 && stun_msg_decode(&m, buf, (size_t)n) == 0 && m.cls == STUN_CLASS_SUCCESS;
}

static bool t_from(const struct addr *from, const char *ip, uint16_t port)
{
	struct addr want;

	addr_parse(&want, ip, port);
	return addr_eq(from, &want);
}

static void test_server(void)
{
	struct turn_cfg tc = {.stun_only = true};
	struct net_opts o = {.threads = 2, .nlisten = 2, .turn = &tc, .no_tcp = true};
	struct net_server *s = NULL;
	uint16_t p = t_ports();
	int fd = t_sock("127.0.0.1", 0), fd2 = t_sock("127.0.0.1", 0);
	struct addr from, self;
	socklen_t sl = sizeof(self.u.ss);

	if (p == 0 || fd < 0 || fd2 < 0 || getsockname(fd2, &self.u.sa, &sl) < 0) {
		CHECK(false, "free ports for the test");
		return;
	}
	o.port = p;
	o.alt_port = (uint16_t)(p + 1);
	addr_parse(&o.listen[0], "127.0.0.1", p);
	addr_parse(&o.listen[1], "127.0.0.2", p);
	if (net_server_new(&o, &s) < 0 || net_server_start(s) < 0) {
		CHECK(false, "server with alt_port created and started");
		net_server_free(s);
		return;
	}
	CHECK(t_ask(fd, fd, "127.0.0.1", p, -1, 0, &from) && t_from(&from, "127.0.0.1", p),
	      "plain request answered in place");
	CHECK(t_ask(fd, fd, "127.0.0.1", p, 0x2, 0, &from) && t_from(&from, "127.0.0.1", p + 1),
	      "change port: from A1:P2");
	CHECK(t_ask(fd, fd, "127.0.0.1", p, 0x4, 0, &from) && t_from(&from, "127.0.0.2", p),
	      "change IP: from A2:P1");
	CHECK(t_ask(fd, fd, "127.0.0.1", p, 0x6, 0, &from) && t_from(&from, "127.0.0.2", p + 1),
	      "both: from A2:P2");
	CHECK(t_ask(fd, fd, "127.0.0.2", p + 1, 0x6, 0, &from) && t_from(&from, "127.0.0.1", p),
	      "to A2:P2, both: from A1:P1");
	CHECK(t_ask(fd, fd2, "127.0.0.1", p, -1, addr_port(&self), &from) &&
		      t_from(&from, "127.0.0.1", p),
	      "RESPONSE-PORT: the response reaches the other socket");
	net_server_stop(s);
	net_server_free(s);
	close(fd);
	close(fd2);
}

int main(void)
{
	log_open(NULL, false, LOG_LVL_WARN);
	test_pair();
	test_server();
	return tap_done();
}
