/* Random start, linear probe. Linux. */
#include "config.h" /* first: _GNU_SOURCE */
#include "net/portpool.h"

#include <errno.h>
#include <netinet/in.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

static uint64_t net_portpool_next(struct net_portpool *p)
{
	uint64_t x = p->rng;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	p->rng = x;
	return x;
}

void net_portpool_init(struct net_portpool *p, uint16_t min, uint16_t max, uint64_t seed)
{
	uint64_t r = 0;

	p->min = min;
	p->max = max;
	/* Without entropy the ports are only less spread out: still correct. */
	if (getrandom(&r, sizeof(r), GRND_NONBLOCK) != sizeof(r))
		r = 0x9E3779B97F4A7C15ull;
	p->rng = (r ^ (seed * 0xBF58476D1CE4E5B9ull)) | 1;
}

/* A UDP socket bound to ip:port: 0 and *fd, -EADDRINUSE, or -errno. */
static int net_portpool_try(const struct addr *ip, uint16_t port, int *fd)
{
	struct addr a = *ip;
	int s, one = 1;

	s = socket(addr_family(&a), SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -errno;
	if (addr_family(&a) == AF_INET6)
		setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	addr_set_port(&a, port);
	if (bind(s, &a.u.sa, addr_len(&a)) < 0) {
		int err = -errno;

		close(s);
		return err;
	}
	*fd = s;
	return 0;
}

/* Binds port (and port + 1 with pair). 0, -EADDRINUSE (try another port) or -errno. */
static int net_portpool_try_pair(const struct net_port_req *req, uint32_t port, int fds[2])
{
	int err;

	if (req->pair && port + 1 > UINT16_MAX)
		return -EADDRINUSE;
	err = net_portpool_try(req->ip, (uint16_t)port, &fds[0]);
	if (err || !req->pair)
		return err;
	err = net_portpool_try(req->ip, (uint16_t)(port + 1), &fds[1]);
	if (err) {
		close(fds[0]);
		return err;
	}
	return 0;
}

int net_portpool_bind(struct net_portpool *p, const struct net_port_req *req, int fds[2],
		      struct addr *bound)
{
	uint32_t lo = p->min, hi = p->max, step = 1, span, start;
	int err;

	if (req->even) {
		lo += lo & 1;
		hi -= hi & 1;
		step = 2;
	}
	if (req->pair && hi == p->max)
		hi -= step; /* port + 1 must stay inside the range too */
	if (lo > hi)
		return -ENOSPC;
	span = (hi - lo) / step + 1;
	start = (uint32_t)(net_portpool_next(p) % span);
	for (uint32_t i = 0; i < span; i++) {
		uint32_t port = lo + ((start + i) % span) * step;

		err = net_portpool_try_pair(req, port, fds);
		if (err == -EADDRINUSE || err == -EACCES)
			continue;
		if (err)
			return err;
		*bound = *req->ip;
		addr_set_port(bound, (uint16_t)port);
		return 0;
	}
	return -ENOSPC;
}
