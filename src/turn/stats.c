/* A worker's counters and gauges for metrics (turn/stats.h), and the Allocate error-code
 * slots of struct turn_counters (turn/server.h). */
#include "turn/stats.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "stun/stun.h"
#include "turn/alloc.h"
#include "turn/core.h"

/* The codes Allocate answers with (RFC 8656 §7.2, RFC 8489 §14.8, RFC 6062 §6.3, RFC 8016
 * §3.1), one slot each; slot 0 counts any other. */
static const int turn_fail_codes[TURN_FAIL_SLOTS] = {0,	  300, 400, 403, 420, 437,
						     440, 441, 442, 486, 500, 508};

unsigned turn_fail_slot(int code)
{
	for (unsigned i = 1; i < TURN_FAIL_SLOTS; i++)
		if (turn_fail_codes[i] == code)
			return i;
	return 0;
}

int turn_fail_code(unsigned slot)
{
	return slot < TURN_FAIL_SLOTS ? turn_fail_codes[slot] : 0;
}

static enum turn_family turn_alloc_family(const struct turn_alloc *a)
{
	if (a->nrelay > 1)
		return TURN_FAM_DUAL;
	return a->nrelay == 1 && a->relayed[0].family == AF_INET6 ? TURN_FAM_IPV6 : TURN_FAM_IPV4;
}

void turn_server_stats(const struct turn_server *s, struct turn_stats *out)
{
	memset(out, 0, sizeof(*out));
	out->c = s->c;
	out->c.peer_denied[TURN_DENY_NO_PERMISSION] = s->c.dropped_no_perm + s->c.tcp_refused_perm;
	out->c.peer_denied[TURN_DENY_NOT_RELAY] = s->c.dropped_not_relay;
	for (size_t i = 0; s->allocs.slot && i < s->allocs.cap; i++) {
		const struct turn_alloc *a = s->allocs.slot[i];
		unsigned t;

		if (a == NULL || a->nrelay == 0)
			continue;
		out->bps_granted += a->bps;
		t = a->client.conn->ops->transport;
		out->allocs[t < TURN_TR_N ? t : TURN_TR_UDP][turn_alloc_family(a)]++;
	}
}

static void turn_realm_of(const struct turn_alloc *a, struct turn_realm_traffic *t)
{
	snprintf(t->realm, sizeof(t->realm), "%s", turn_alloc_realm(a));
	t->pkts_to_peer = a->st.pkts_to_peer;
	t->pkts_to_client = a->st.pkts_to_client;
	t->bytes_to_peer = a->st.bytes_to_peer;
	t->bytes_to_client = a->st.bytes_to_client;
}

void turn_realm_traffic_add(struct turn_realm_traffic *t, size_t cap, size_t *n,
			    const struct turn_realm_traffic *what)
{
	size_t i;

	if (cap == 0)
		return;
	for (i = 0; i < *n; i++)
		if (strcmp(t[i].realm, what->realm) == 0)
			break;
	if (i == *n && *n == cap) {
		i = cap - 1; /* the last slot takes every realm beyond cap */
		snprintf(t[i].realm, sizeof(t[i].realm), "%s", TURN_REALM_OTHER);
	} else if (i == *n) {
		memset(&t[i], 0, sizeof(t[i]));
		snprintf(t[i].realm, sizeof(t[i].realm), "%s", what->realm);
		(*n)++;
	}
	t[i].pkts_to_peer += what->pkts_to_peer;
	t[i].pkts_to_client += what->pkts_to_client;
	t[i].bytes_to_peer += what->bytes_to_peer;
	t[i].bytes_to_client += what->bytes_to_client;
}

void turn_realm_account(struct turn_server *s, const struct turn_alloc *a)
{
	struct turn_realm_traffic one;

	if (a->st.pkts_to_peer == 0 && a->st.pkts_to_client == 0)
		return;
	if (s->realms == NULL && (s->realms = calloc(TURN_REALM_SLOTS, sizeof(*s->realms))) == NULL)
		return;
	turn_realm_of(a, &one);
	turn_realm_traffic_add(s->realms, TURN_REALM_SLOTS, &s->nrealms, &one);
}

void turn_realm_carry(struct turn_server *s, const struct turn_alloc *a)
{
	struct turn_realm_traffic one;

	if (a->st.pkts_to_peer == 0 && a->st.pkts_to_client == 0)
		return;
	if (s->realms == NULL && (s->realms = calloc(TURN_REALM_SLOTS, sizeof(*s->realms))) == NULL)
		return;
	/* A full table would put it under TURN_REALM_OTHER while the worker it came from holds
	 * it under its realm: then it is counted twice rather than taken off the wrong one. */
	if (s->nrealms == TURN_REALM_SLOTS) {
		size_t i = 0;

		while (i < s->nrealms && strcmp(s->realms[i].realm, turn_alloc_realm(a)) != 0)
			i++;
		if (i == s->nrealms)
			return;
	}
	turn_realm_of(a, &one);
	one.pkts_to_peer = 0 - one.pkts_to_peer;
	one.pkts_to_client = 0 - one.pkts_to_client;
	one.bytes_to_peer = 0 - one.bytes_to_peer;
	one.bytes_to_client = 0 - one.bytes_to_client;
	turn_realm_traffic_add(s->realms, TURN_REALM_SLOTS, &s->nrealms, &one);
}

void turn_server_realm_traffic(const struct turn_server *s, struct turn_realm_traffic *t,
			       size_t cap, size_t *n)
{
	struct turn_realm_traffic one;

	for (size_t i = 0; i < s->nrealms; i++)
		turn_realm_traffic_add(t, cap, n, &s->realms[i]);
	for (size_t i = 0; s->allocs.slot && i < s->allocs.cap; i++) {
		const struct turn_alloc *a = s->allocs.slot[i];

		if (a == NULL || (a->st.pkts_to_peer == 0 && a->st.pkts_to_client == 0))
			continue;
		turn_realm_of(a, &one);
		turn_realm_traffic_add(t, cap, n, &one);
	}
}

const char *turn_transport_name(unsigned t)
{
	static const char *const n[TURN_TR_N] = {"udp", "tcp", "tls", "dtls"};

	return t < TURN_TR_N ? n[t] : "other";
}

const char *turn_family_name(unsigned f)
{
	static const char *const n[TURN_FAM_N] = {"ipv4", "ipv6", "dual"};

	return f < TURN_FAM_N ? n[f] : "other";
}

const char *turn_method_name(unsigned slot)
{
	switch (slot) {
	case STUN_METHOD_BINDING:
		return "binding";
	case STUN_METHOD_ALLOCATE:
		return "allocate";
	case STUN_METHOD_REFRESH:
		return "refresh";
	case STUN_METHOD_SEND:
		return "send";
	case STUN_METHOD_DATA:
		return "data";
	case STUN_METHOD_CREATE_PERMISSION:
		return "create_permission";
	case STUN_METHOD_CHANNEL_BIND:
		return "channel_bind";
	case STUN_METHOD_CONNECT:
		return "connect";
	case STUN_METHOD_CONNECTION_BIND:
		return "connection_bind";
	case STUN_METHOD_CONNECTION_ATTEMPT:
		return "connection_attempt";
	default:
		return "other";
	}
}

const char *turn_auth_fail_name(unsigned why)
{
	static const char *const n[TURN_AUTH_FAIL_N] = {
		"unknown_user", "bad_integrity", "stale_nonce", "bad_request", "store_error"};

	return why < TURN_AUTH_FAIL_N ? n[why] : "other";
}

const char *turn_peer_deny_name(unsigned why)
{
	static const char *const n[TURN_DENY_N] = {"own_address",     "realm_denied",  "policy",
						   "family_mismatch", "no_permission", "not_relay"};

	return why < TURN_DENY_N ? n[why] : "other";
}
