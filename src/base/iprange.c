#include "base/iprange.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/xmalloc.h"

/* Longest accepted input: two full IPv6 literals and a separator. */
#define IPRANGE_STR_MAX (2 * INET6_ADDRSTRLEN + 2)

/* Parses one numeric address (addr_parse, the one parser of addresses) into 4 or 16 bytes;
 * returns its family or -EINVAL. */
static int iprange_parse_ip(const char *s, uint8_t ip[16])
{
	struct addr a;
	const uint8_t *raw;
	size_t len;

	memset(ip, 0, 16);
	if (addr_parse(&a, s, 0) < 0)
		return -EINVAL;
	raw = addr_raw(&a, &len);
	memcpy(ip, raw, len);
	return addr_family(&a);
}

static size_t iprange_len(int family)
{
	return family == AF_INET6 ? 16 : 4;
}

/* Parses a decimal prefix length in [0, max]; -EINVAL otherwise. */
static int iprange_parse_prefix(const char *s, unsigned max)
{
	unsigned v = 0;

	if (!*s || strlen(s) > 3)
		return -EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		v = v * 10 + (unsigned)(*s - '0');
	}
	return v <= max ? (int)v : -EINVAL;
}

/* The parsers below return NULL on success or the reason the input is refused. */
static const char *iprange_parse_cidr(char *s, char *slash, struct iprange *r)
{
	int family, prefix;
	size_t len;

	*slash = '\0';
	family = iprange_parse_ip(s, r->lo);
	if (family < 0)
		return "not a numeric IP address before the prefix";
	len = iprange_len(family);
	prefix = iprange_parse_prefix(slash + 1, (unsigned)len * 8);
	if (prefix < 0)
		return "bad prefix length";
	memcpy(r->hi, r->lo, sizeof(r->hi));
	for (size_t i = 0; i < len; i++) {
		int bits = prefix - (int)i * 8;
		uint8_t mask = bits >= 8 ? 0xff : bits <= 0 ? 0 : (uint8_t)(0xff << (8 - bits));

		r->lo[i] &= mask;
		r->hi[i] |= (uint8_t)~mask;
	}
	r->family = family;
	return NULL;
}

static const char *iprange_parse_span(char *s, char *dash, struct iprange *r)
{
	int f1, f2;

	*dash = '\0';
	f1 = iprange_parse_ip(s, r->lo);
	f2 = iprange_parse_ip(dash + 1, r->hi);
	if (f1 < 0 || f2 < 0 || f1 != f2)
		return "not FIRST-LAST numeric IPs of one family";
	if (memcmp(r->lo, r->hi, iprange_len(f1)) > 0)
		return "first address above last";
	r->family = f1;
	return NULL;
}

static const char *iprange_parse_one(const char *s, struct iprange *out)
{
	char buf[IPRANGE_STR_MAX + 1];
	struct iprange r;
	char *slash, *dash;
	const char *why;
	size_t n = strlen(s);

	if (n == 0)
		return "empty";
	if (n > IPRANGE_STR_MAX)
		return "too long";
	memcpy(buf, s, n + 1);
	memset(&r, 0, sizeof(r));
	slash = strchr(buf, '/');
	dash = strchr(buf, '-');
	if (slash && dash)
		return "both a prefix and a FIRST-LAST span";
	if (slash) {
		why = iprange_parse_cidr(buf, slash, &r);
	} else if (dash) {
		why = iprange_parse_span(buf, dash, &r);
	} else {
		r.family = iprange_parse_ip(buf, r.lo);
		memcpy(r.hi, r.lo, sizeof(r.hi));
		why = r.family < 0 ? "not a numeric IPv4 or IPv6 address" : NULL;
	}
	if (!why)
		*out = r;
	return why;
}

int iprange_parse(const char *s, struct iprange *out)
{
	return iprange_parse_one(s, out) ? -EINVAL : 0;
}

int iprange_parse_why(const char *s, struct iprange *out, const char **why)
{
	const char *w = iprange_parse_one(s, out);

	if (!w)
		return 0;
	*why = w;
	return -EINVAL;
}

bool iprange_contains(const struct iprange *r, const struct addr *a)
{
	const uint8_t *ip;
	size_t len;

	if (addr_family(a) != r->family)
		return false;
	ip = addr_raw(a, &len);
	return memcmp(ip, r->lo, len) >= 0 && memcmp(ip, r->hi, len) <= 0;
}

const char *iprange_to_str(const struct iprange *r, char *buf, size_t len)
{
	char lo[INET6_ADDRSTRLEN], hi[INET6_ADDRSTRLEN];

	if (len == 0)
		return buf;
	if (!inet_ntop(r->family, r->lo, lo, sizeof(lo)) ||
	    !inet_ntop(r->family, r->hi, hi, sizeof(hi))) {
		buf[0] = '\0';
		return buf;
	}
	if (strcmp(lo, hi) == 0)
		snprintf(buf, len, "%s", lo);
	else
		snprintf(buf, len, "%s-%s", lo, hi);
	return buf;
}

int iprange_list_add(struct iprange_list *l, const char *s)
{
	struct iprange r;

	if (iprange_parse(s, &r) < 0)
		return -EINVAL;
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 8;
		l->v = xrealloc(l->v, l->cap * sizeof(*l->v));
	}
	l->v[l->n++] = r;
	return 0;
}

bool iprange_list_contains(const struct iprange_list *l, const struct addr *a)
{
	if (!l)
		return false;
	for (size_t i = 0; i < l->n; i++) {
		if (iprange_contains(&l->v[i], a))
			return true;
	}
	return false;
}

void iprange_list_free(struct iprange_list *l)
{
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}
