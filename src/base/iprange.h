/* IP address ranges: a single address, a CIDR prefix, or coturn's "first-last" form, for
 * IPv4 and IPv6. Used by the peer policy and per-realm peer lists. */
#ifndef TERN_BASE_IPRANGE_H
#define TERN_BASE_IPRANGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/addr.h"

struct iprange {
	int family;	/* AF_INET or AF_INET6 */
	uint8_t lo[16]; /* inclusive bounds, network byte order (4 bytes used for v4) */
	uint8_t hi[16];
};

/* Parses "192.0.2.1", "10.0.0.0/8", "10.0.0.1-10.0.0.9", "2001:db8::/32",
 * "fc00::1-fc00::9". Returns 0 or -EINVAL (bad address, prefix too long, mixed families,
 * first > last). */
int iprange_parse(const char *s, struct iprange *out);
/* iprange_parse, and on -EINVAL sets *why to a static English reason (for configuration
 * errors). The one range parser: ternd's option check, the peer policy, Redis peer lists
 * and ternctl all use it. */
int iprange_parse_why(const char *s, struct iprange *out, const char **why);
/* True when a's address (port ignored, same family) lies in r. */
bool iprange_contains(const struct iprange *r, const struct addr *a);
/* Formats r back as "lo-hi" (or a single address) into buf; returns buf. */
const char *iprange_to_str(const struct iprange *r, char *buf, size_t len);

/* A growable list of ranges (control path only). */
struct iprange_list {
	struct iprange *v;
	size_t n, cap;
};

/* Parses s and appends it. 0 or -EINVAL. */
int iprange_list_add(struct iprange_list *l, const char *s);
bool iprange_list_contains(const struct iprange_list *l, const struct addr *a);
void iprange_list_free(struct iprange_list *l);

#endif
