/* Listener sockets and getifaddrs(3). Linux. */
#include "net/sock.h"

#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Socket buffers asked for (the kernel caps them at net.core.[rw]mem_max). */
#define NET_SOCK_BUF	 (4 << 20)
#define NET_SOCK_BACKLOG 1024

static int net_sock_setopt(int fd, int level, int name, int val)
{
	return setsockopt(fd, level, name, &val, sizeof(val)) < 0 ? -errno : 0;
}

/* Creates the socket with the options every listener shares. */
static int net_sock_open(const struct addr *a, int type, int *fd)
{
	int s, err;

	s = socket(addr_family(a), type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -errno;
	err = net_sock_setopt(s, SOL_SOCKET, SO_REUSEPORT, 1);
	if (!err && addr_family(a) == AF_INET6)
		err = net_sock_setopt(s, IPPROTO_IPV6, IPV6_V6ONLY, 1);
	if (err) {
		close(s);
		return err;
	}
	*fd = s;
	return 0;
}

static int net_sock_bind(int fd, const struct addr *a)
{
	return bind(fd, &a->u.sa, addr_len(a)) < 0 ? -errno : 0;
}

int net_sock_udp(const struct addr *a, int *fd)
{
	int s, err;

	err = net_sock_open(a, SOCK_DGRAM, &s);
	if (err)
		return err;
	/* Best effort: a larger buffer absorbs bursts between two wakeups. */
	net_sock_setopt(s, SOL_SOCKET, SO_RCVBUF, NET_SOCK_BUF);
	net_sock_setopt(s, SOL_SOCKET, SO_SNDBUF, NET_SOCK_BUF);
	err = net_sock_bind(s, a);
	if (err) {
		close(s);
		return err;
	}
	*fd = s;
	return 0;
}

int net_sock_tcp(const struct addr *a, int *fd)
{
	int s, err;

	err = net_sock_open(a, SOCK_STREAM, &s);
	if (err)
		return err;
	err = net_sock_setopt(s, SOL_SOCKET, SO_REUSEADDR, 1);
	if (!err)
		err = net_sock_bind(s, a);
	if (!err && listen(s, NET_SOCK_BACKLOG) < 0)
		err = -errno;
	if (err) {
		close(s);
		return err;
	}
	*fd = s;
	return 0;
}

int net_sock_probe(const struct addr *a, bool tcp)
{
	int s, err = 0;

	s = socket(addr_family(a), (tcp ? SOCK_STREAM : SOCK_DGRAM) | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -errno;
	/* TCP: SO_REUSEADDR passes over TIME_WAIT leftovers but not over a listener. */
	if (tcp)
		err = net_sock_setopt(s, SOL_SOCKET, SO_REUSEADDR, 1);
	if (!err && addr_family(a) == AF_INET6)
		err = net_sock_setopt(s, IPPROTO_IPV6, IPV6_V6ONLY, 1);
	if (!err)
		err = net_sock_bind(s, a);
	close(s);
	return err;
}

int net_sock_local(int fd, struct addr *out)
{
	struct addr a;
	socklen_t len = sizeof(a.u.ss);

	memset(&a, 0, sizeof(a));
	if (getsockname(fd, &a.u.sa, &len) < 0)
		return -errno;
	*out = a;
	return 0;
}

/* Fills *out from an interface address; false for those Tern does not listen on. */
static bool net_sock_ifaddr(const struct ifaddrs *ifa, uint16_t port, struct addr *out)
{
	const struct sockaddr *sa = ifa->ifa_addr;

	if (!sa || !(ifa->ifa_flags & IFF_UP))
		return false;
	if (sa->sa_family == AF_INET)
		return addr_from_raw(out, AF_INET,
				     (const uint8_t *)&((const struct sockaddr_in *)sa)->sin_addr,
				     port) == 0;
	if (sa->sa_family != AF_INET6)
		return false;
	const struct in6_addr *ip6 = &((const struct sockaddr_in6 *)sa)->sin6_addr;
	if (IN6_IS_ADDR_LINKLOCAL(ip6))
		return false;
	return addr_from_raw(out, AF_INET6, ip6->s6_addr, port) == 0;
}

int net_sock_local_addrs(uint16_t port, struct addr *out, size_t max, size_t *n)
{
	struct ifaddrs *list, *ifa;
	size_t k = 0;

	if (getifaddrs(&list) < 0)
		return -errno;
	for (ifa = list; ifa && k < max; ifa = ifa->ifa_next) {
		struct addr a;
		size_t i;

		if (!net_sock_ifaddr(ifa, port, &a))
			continue;
		for (i = 0; i < k && !addr_eq(&out[i], &a); i++)
			;
		if (i == k)
			out[k++] = a;
	}
	freeifaddrs(list);
	*n = k;
	return 0;
}
