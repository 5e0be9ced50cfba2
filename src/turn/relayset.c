/* Own addresses and live relay ports: fixed lists, one 8 KiB bitmap of ports per relay
 * address, updated with atomic bit operations. */
#include "turn/relayset.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "turn/peer.h"

#define TURN_RELAYSET_WORDS (65536 / 64)

struct turn_relayset_port {
	struct addr ip;
	_Atomic uint64_t bits[TURN_RELAYSET_WORDS];
};

struct turn_relayset {
	struct turn_relayset_port *relay;
	size_t nrelay;
	struct turn_relayset_ext *ext;
	size_t next;
	struct addr *own;
	size_t nown;
	atomic_bool loopback_open; /* a reload may change it (turn_relayset_set_loopback) */
};

/* 0.0.0.0/8 and :: (the host itself as a destination), 127.0.0.0/8 and ::1 (loopback). */
static bool turn_relayset_is_host(const struct addr *a, bool *loopback)
{
	static const uint8_t zero[16];
	size_t len;
	const uint8_t *ip = addr_raw(a, &len);

	if (addr_family(a) == AF_INET) {
		*loopback = ip[0] == 127;
		return ip[0] == 0 || ip[0] == 127;
	}
	*loopback = memcmp(ip, zero, 15) == 0 && ip[15] == 1;
	return memcmp(ip, zero, 15) == 0 && ip[15] <= 1;
}

static bool turn_relayset_own_form(const struct turn_relayset *rs, const struct addr *a)
{
	bool loopback;

	if (turn_relayset_is_host(a, &loopback))
		return !(loopback &&
			 atomic_load_explicit(&rs->loopback_open, memory_order_relaxed));
	for (size_t i = 0; i < rs->nown; i++)
		if (addr_ip_eq(&rs->own[i], a))
			return true;
	return false;
}

bool turn_relayset_is_own(const struct turn_relayset *rs, const struct addr *peer)
{
	struct addr v4;

	if (turn_relayset_own_form(rs, peer))
		return true;
	return peer_addr_embedded_v4(peer, &v4) && turn_relayset_own_form(rs, &v4);
}

static bool turn_relayset_port_live(const struct turn_relayset_port *p, uint16_t port)
{
	uint64_t w = atomic_load_explicit(&p->bits[port / 64], memory_order_relaxed);

	return (w >> (port % 64)) & 1;
}

static struct turn_relayset_port *turn_relayset_find(const struct turn_relayset *rs,
						     const struct addr *ip)
{
	for (size_t i = 0; i < rs->nrelay; i++)
		if (addr_ip_eq(&rs->relay[i].ip, ip))
			return &rs->relay[i];
	return NULL;
}

/* Through an external address: the relay it maps, or every relay of its family. */
static bool turn_relayset_ext_live(const struct turn_relayset *rs,
				   const struct turn_relayset_ext *e, uint16_t port)
{
	const struct turn_relayset_port *p;

	if (e->has_priv) {
		p = turn_relayset_find(rs, &e->priv);
		return p && turn_relayset_port_live(p, port);
	}
	for (size_t i = 0; i < rs->nrelay; i++)
		if (addr_family(&rs->relay[i].ip) == addr_family(&e->pub) &&
		    turn_relayset_port_live(&rs->relay[i], port))
			return true;
	return false;
}

bool turn_relayset_is_live(const struct turn_relayset *rs, const struct addr *peer)
{
	const struct turn_relayset_port *p = turn_relayset_find(rs, peer);
	uint16_t port = addr_port(peer);

	if (port == 0)
		return false;
	if (p && turn_relayset_port_live(p, port))
		return true;
	for (size_t i = 0; i < rs->next; i++)
		if (addr_ip_eq(&rs->ext[i].pub, peer) &&
		    turn_relayset_ext_live(rs, &rs->ext[i], port))
			return true;
	return false;
}

void turn_relayset_mark(struct turn_relayset *rs, const struct addr *local, bool live)
{
	struct turn_relayset_port *p = turn_relayset_find(rs, local);
	uint16_t port = addr_port(local);
	uint64_t bit = (uint64_t)1 << (port % 64);

	if (!p || port == 0)
		return;
	if (live)
		atomic_fetch_or_explicit(&p->bits[port / 64], bit, memory_order_relaxed);
	else
		atomic_fetch_and_explicit(&p->bits[port / 64], ~bit, memory_order_relaxed);
}

static void turn_relayset_add_own(struct turn_relayset *rs, const struct addr *a)
{
	for (size_t i = 0; i < rs->nown; i++)
		if (addr_ip_eq(&rs->own[i], a))
			return;
	rs->own[rs->nown] = *a;
	addr_set_port(&rs->own[rs->nown++], 0);
}

static int turn_relayset_fill(struct turn_relayset *rs, const struct turn_relayset_cfg *cfg)
{
	rs->relay = calloc(cfg->nrelay ? cfg->nrelay : 1, sizeof(*rs->relay));
	rs->ext = calloc(cfg->next ? cfg->next : 1, sizeof(*rs->ext));
	rs->own = calloc(cfg->nrelay + 2 * cfg->next + cfg->nown + 1, sizeof(*rs->own));
	if (!rs->relay || !rs->ext || !rs->own)
		return -ENOMEM;
	for (size_t i = 0; i < cfg->nrelay; i++) {
		rs->relay[rs->nrelay].ip = cfg->relay[i];
		addr_set_port(&rs->relay[rs->nrelay++].ip, 0);
		turn_relayset_add_own(rs, &cfg->relay[i]);
	}
	for (size_t i = 0; i < cfg->next; i++) {
		rs->ext[rs->next++] = cfg->ext[i];
		turn_relayset_add_own(rs, &cfg->ext[i].pub);
		if (cfg->ext[i].has_priv)
			turn_relayset_add_own(rs, &cfg->ext[i].priv);
	}
	for (size_t i = 0; i < cfg->nown; i++)
		turn_relayset_add_own(rs, &cfg->own[i]);
	return 0;
}

int turn_relayset_new(const struct turn_relayset_cfg *cfg, struct turn_relayset **out)
{
	struct turn_relayset *rs = calloc(1, sizeof(*rs));

	if (!rs)
		return -ENOMEM;
	atomic_init(&rs->loopback_open, cfg->loopback_open);
	if (turn_relayset_fill(rs, cfg) < 0) {
		turn_relayset_free(rs);
		return -ENOMEM;
	}
	*out = rs;
	return 0;
}

void turn_relayset_set_loopback(struct turn_relayset *rs, bool open)
{
	atomic_store_explicit(&rs->loopback_open, open, memory_order_relaxed);
}

void turn_relayset_free(struct turn_relayset *rs)
{
	if (!rs)
		return;
	free(rs->relay);
	free(rs->ext);
	free(rs->own);
	free(rs);
}
