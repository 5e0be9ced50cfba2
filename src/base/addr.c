#include "base/addr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

int addr_parse(struct addr *out, const char *ip, uint16_t port)
{
	struct addr a;

	memset(&a, 0, sizeof(a));
	if (inet_pton(AF_INET, ip, &a.u.in4.sin_addr) == 1) {
		a.u.in4.sin_family = AF_INET;
		a.u.in4.sin_port = htons(port);
	} else if (inet_pton(AF_INET6, ip, &a.u.in6.sin6_addr) == 1) {
		a.u.in6.sin6_family = AF_INET6;
		a.u.in6.sin6_port = htons(port);
	} else {
		return -EINVAL;
	}
	*out = a;
	return 0;
}

int addr_from_raw(struct addr *out, int family, const uint8_t *ip, uint16_t port)
{
	memset(out, 0, sizeof(*out));
	if (family == AF_INET) {
		out->u.in4.sin_family = AF_INET;
		out->u.in4.sin_port = htons(port);
		memcpy(&out->u.in4.sin_addr, ip, 4);
		return 0;
	}
	if (family == AF_INET6) {
		out->u.in6.sin6_family = AF_INET6;
		out->u.in6.sin6_port = htons(port);
		memcpy(&out->u.in6.sin6_addr, ip, 16);
		return 0;
	}
	return -EAFNOSUPPORT;
}

int addr_family(const struct addr *a)
{
	return a->u.sa.sa_family;
}

socklen_t addr_len(const struct addr *a)
{
	return a->u.sa.sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
					     : sizeof(struct sockaddr_in);
}

uint16_t addr_port(const struct addr *a)
{
	return ntohs(a->u.sa.sa_family == AF_INET6 ? a->u.in6.sin6_port : a->u.in4.sin_port);
}

void addr_set_port(struct addr *a, uint16_t port)
{
	if (a->u.sa.sa_family == AF_INET6)
		a->u.in6.sin6_port = htons(port);
	else
		a->u.in4.sin_port = htons(port);
}

const uint8_t *addr_raw(const struct addr *a, size_t *len)
{
	if (a->u.sa.sa_family == AF_INET6) {
		*len = 16;
		return a->u.in6.sin6_addr.s6_addr;
	}
	*len = 4;
	return (const uint8_t *)&a->u.in4.sin_addr;
}

bool addr_ip_eq(const struct addr *a, const struct addr *b)
{
	size_t la, lb;
	const uint8_t *ra, *rb;

	if (a->u.sa.sa_family != b->u.sa.sa_family)
		return false;
	ra = addr_raw(a, &la);
	rb = addr_raw(b, &lb);
	return la == lb && memcmp(ra, rb, la) == 0;
}

bool addr_eq(const struct addr *a, const struct addr *b)
{
	return addr_ip_eq(a, b) && addr_port(a) == addr_port(b);
}

bool addr_is_any(const struct addr *a)
{
	static const uint8_t zero[16];
	size_t len;
	const uint8_t *r = addr_raw(a, &len);

	return memcmp(r, zero, len) == 0;
}

const char *addr_ip_to_str(const struct addr *a, char *buf, size_t len)
{
	size_t n;
	const uint8_t *r = addr_raw(a, &n);

	if (!inet_ntop(n == 16 ? AF_INET6 : AF_INET, r, buf, (socklen_t)len))
		snprintf(buf, len, "?");
	return buf;
}

const char *addr_to_str(const struct addr *a, char *buf, size_t len)
{
	char ip[INET6_ADDRSTRLEN];

	addr_ip_to_str(a, ip, sizeof(ip));
	if (addr_family(a) == AF_INET6)
		snprintf(buf, len, "[%s]:%u", ip, addr_port(a));
	else
		snprintf(buf, len, "%s:%u", ip, addr_port(a));
	return buf;
}
