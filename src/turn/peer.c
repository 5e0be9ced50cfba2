#include "turn/peer.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct peer_policy {
	struct iprange_list allowed, denied;
	bool allow_loopback;
};

/* One special-purpose prefix. */
struct peer_special {
	int family;
	unsigned plen;
	uint8_t net[16];
	bool loopback;	  /* opened by allow_loopback */
	bool private_use; /* reachable inside a private network (a relay address may be) */
};

/* The IANA IPv4 Special-Purpose Address Registry (RFC 6890 and updates), plus multicast and
 * the reserved class E. Blocks the registry marks globally reachable (192.31.196.0/24,
 * 192.52.193.0/24, 192.175.48.0/24) are ordinary peers. */
static const struct peer_special peer_special_v4[] = {
	{AF_INET, 8, {0}, false, false},	     /* "this network", RFC 791 */
	{AF_INET, 8, {10}, false, true},	     /* private use, RFC 1918 */
	{AF_INET, 10, {100, 64}, false, true},	     /* shared address space (CGNAT), RFC 6598 */
	{AF_INET, 8, {127}, true, false},	     /* loopback, RFC 1122 */
	{AF_INET, 16, {169, 254}, false, false},     /* link local (cloud metadata), RFC 3927 */
	{AF_INET, 12, {172, 16}, false, true},	     /* private use, RFC 1918 */
	{AF_INET, 24, {192, 0, 0}, false, false},    /* IETF protocol assignments, RFC 6890 */
	{AF_INET, 24, {192, 0, 2}, false, false},    /* documentation TEST-NET-1, RFC 5737 */
	{AF_INET, 24, {192, 88, 99}, false, false},  /* 6to4 relay anycast, RFC 7526 */
	{AF_INET, 16, {192, 168}, false, true},	     /* private use, RFC 1918 */
	{AF_INET, 15, {198, 18}, false, false},	     /* benchmarking, RFC 2544 */
	{AF_INET, 24, {198, 51, 100}, false, false}, /* documentation TEST-NET-2, RFC 5737 */
	{AF_INET, 24, {203, 0, 113}, false, false},  /* documentation TEST-NET-3, RFC 5737 */
	{AF_INET, 4, {224}, false, false},	     /* multicast, RFC 5771 */
	{AF_INET, 4, {240}, false, false},	     /* reserved, RFC 1112 (and broadcast) */
	{AF_INET, 32, {255, 255, 255, 255}, false, false}, /* limited broadcast, RFC 919 */
};

/* The IANA IPv6 Special-Purpose Address Registry, plus multicast and deprecated site-local.
 * ::ffff:0:0/96, ::/96, 64:ff9b::/96 and 2002::/16 are not listed: they are checked through
 * the IPv4 address they embed (peer_addr_embedded_v4). 64:ff9b:1::/48 (RFC 8215) is
 * listed: its prefix length, hence where the IPv4 address sits, is a local choice, so the
 * embedded address cannot be known; allowed-peer-ip can open it. */
static const struct peer_special peer_special_v6[] = {
	{AF_INET6, 128, {0}, false, false},	  /* unspecified, RFC 4291 */
	{AF_INET6, 128, {[15] = 1}, true, false}, /* loopback, RFC 4291 */
	/* local-use NAT64, RFC 8215 */
	{AF_INET6, 48, {0x00, 0x64, 0xff, 0x9b, 0x00, 0x01}, false, false},
	{AF_INET6, 64, {0x01}, false, false},			/* discard-only, RFC 6666 */
	{AF_INET6, 23, {0x20, 0x01}, false, false},		/* IETF protocol assignments
								 * (Teredo, benchmarking, ORCHID),
								 * RFC 2928 */
	{AF_INET6, 32, {0x20, 0x01, 0x0d, 0xb8}, false, false}, /* documentation, RFC 3849 */
	{AF_INET6, 20, {0x3f, 0xff}, false, false},		/* documentation, RFC 9637 */
	{AF_INET6, 16, {0x5f, 0x00}, false, false},		/* SRv6 SIDs, RFC 9602 */
	{AF_INET6, 7, {0xfc}, false, true},			/* unique local, RFC 4193 */
	{AF_INET6, 10, {0xfe, 0x80}, false, false},		/* link local, RFC 4291 */
	{AF_INET6, 10, {0xfe, 0xc0}, false, false},		/* site local (deprecated),
								 * RFC 3879 */
	{AF_INET6, 8, {0xff}, false, false},			/* multicast, RFC 4291 */
};

static bool peer_prefix_match(const uint8_t *ip, const uint8_t *net, unsigned plen)
{
	unsigned full = plen / 8, rest = plen % 8;

	if (memcmp(ip, net, full) != 0)
		return false;
	if (rest == 0)
		return true;
	return ((ip[full] ^ net[full]) & (uint8_t)(0xff << (8 - rest))) == 0;
}

/* The special-purpose entry a's address falls in, or NULL. */
static const struct peer_special *peer_special_find(const struct addr *a)
{
	const struct peer_special *tab = peer_special_v4;
	size_t n = sizeof(peer_special_v4) / sizeof(peer_special_v4[0]), len;
	const uint8_t *ip = addr_raw(a, &len);

	if (addr_family(a) == AF_INET6) {
		tab = peer_special_v6;
		n = sizeof(peer_special_v6) / sizeof(peer_special_v6[0]);
	}
	for (size_t i = 0; i < n; i++)
		if (peer_prefix_match(ip, tab[i].net, tab[i].plen))
			return &tab[i];
	return NULL;
}

static bool peer_is_special(const struct peer_policy *p, const struct addr *a)
{
	const struct peer_special *sp = peer_special_find(a);

	return sp && !(sp->loopback && p->allow_loopback);
}

bool peer_addr_is_relayable(const struct addr *a)
{
	const struct peer_special *sp;
	struct addr v4;

	if (peer_addr_embedded_v4(a, &v4))
		return false;
	sp = peer_special_find(a);
	return sp == NULL || sp->private_use;
}

/* Sets *v4 to the IPv4 address an IPv6 address embeds: IPv4-mapped ::ffff:0:0/96,
 * IPv4-translated ::ffff:0:0:0/96 (RFC 2765), IPv4-compatible ::/96 (but not :: and ::1),
 * NAT64 64:ff9b::/96, 6to4 2002::/16. Returns false when it embeds none. */
bool peer_addr_embedded_v4(const struct addr *a, struct addr *v4)
{
	static const uint8_t mapped[12] = {[10] = 0xff, [11] = 0xff};
	static const uint8_t translated[12] = {[8] = 0xff, [9] = 0xff};
	static const uint8_t compat[12] = {0};
	static const uint8_t nat64[12] = {0x00, 0x64, 0xff, 0x9b};
	const uint8_t *ip, *raw;
	size_t len;

	if (addr_family(a) != AF_INET6)
		return false;
	ip = addr_raw(a, &len);
	if (memcmp(ip, mapped, 12) == 0 || memcmp(ip, translated, 12) == 0 ||
	    memcmp(ip, nat64, 12) == 0)
		raw = ip + 12;
	else if (memcmp(ip, compat, 12) == 0 && (ip[12] | ip[13] | ip[14] | (ip[15] & 0xfe)))
		raw = ip + 12;
	else if (ip[0] == 0x20 && ip[1] == 0x02)
		raw = ip + 2;
	else
		return false;
	addr_from_raw(v4, AF_INET, raw, addr_port(a));
	return true;
}

/* The checks of peer.h, in order, for one spelling of the address. */
static bool peer_form_allowed(const struct peer_policy *p, const struct addr *a)
{
	if (iprange_list_contains(&p->allowed, a))
		return true;
	if (iprange_list_contains(&p->denied, a))
		return false;
	return !peer_is_special(p, a);
}

bool peer_policy_allows(const struct peer_policy *p, const struct addr *peer)
{
	struct addr v4;
	int family = addr_family(peer);

	if (family != AF_INET && family != AF_INET6)
		return false;
	if (!peer_form_allowed(p, peer))
		return false;
	if (peer_addr_embedded_v4(peer, &v4))
		return peer_form_allowed(p, &v4);
	return true;
}

static int peer_copy_list(struct iprange_list *dst, const struct iprange_list *src)
{
	memset(dst, 0, sizeof(*dst));
	if (!src || src->n == 0)
		return 0;
	dst->v = malloc(src->n * sizeof(*dst->v));
	if (!dst->v)
		return -ENOMEM;
	memcpy(dst->v, src->v, src->n * sizeof(*dst->v));
	dst->n = dst->cap = src->n;
	return 0;
}

int peer_policy_new(const struct peer_policy_cfg *cfg, struct peer_policy **out)
{
	struct peer_policy *p = calloc(1, sizeof(*p));

	if (!p)
		return -ENOMEM;
	if (peer_copy_list(&p->allowed, cfg->allowed) < 0 ||
	    peer_copy_list(&p->denied, cfg->denied) < 0)
		goto fail;
	p->allow_loopback = cfg->allow_loopback;
	*out = p;
	return 0;
fail:
	peer_policy_free(p);
	return -ENOMEM;
}

void peer_policy_free(struct peer_policy *p)
{
	if (!p)
		return;
	free(p->allowed.v);
	free(p->denied.v);
	free(p);
}
