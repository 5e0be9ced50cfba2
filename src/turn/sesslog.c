/* Session log lines (turn/sesslog.h). */
#include "turn/sesslog.h"

#include <stdio.h>
#include <string.h>

#include "base/log.h"
#include "base/log_fmt.h"
#include "turn/server.h"

/* Who an allocation is, as log values. */
struct turn_slog_who {
	char user[LOG_VAL_MAX], realm[LOG_VAL_MAX];
	char client[ADDR_STR_MAX], local[ADDR_STR_MAX];
	char relay[TURN_MAX_RELAYS * (ADDR_STR_MAX + 1)];
	const char *transport, *relay_transport;
};

static void turn_slog_who(const struct turn_alloc *a, struct turn_slog_who *w)
{
	const char *user = turn_alloc_user(a), *realm = turn_alloc_realm(a);
	char one[ADDR_STR_MAX];
	struct addr ra;
	size_t n = 0;

	log_quote(w->user, sizeof(w->user), user, strlen(user));
	log_quote(w->realm, sizeof(w->realm), realm, strlen(realm));
	addr_to_str(&a->client.src, w->client, sizeof(w->client));
	addr_to_str(&a->client.local, w->local, sizeof(w->local));
	w->transport =
		a->client.conn && a->client.conn->ops->name ? a->client.conn->ops->name : "unknown";
	w->relay_transport = a->tcp ? "tcp" : "udp";
	w->relay[0] = '\0';
	for (int i = 0; i < a->nrelay; i++) {
		turn_ip_to_addr(&a->relayed[i], a->relayed_port[i], &ra);
		n += (size_t)snprintf(w->relay + n, sizeof(w->relay) - n, "%s%s", i ? "," : "",
				      addr_to_str(&ra, one, sizeof(one)));
	}
	if (n == 0)
		memcpy(w->relay, "none", 5);
}

void turn_slog_created(const struct turn_alloc *a)
{
	struct turn_slog_who w;

	if (!log_enabled(LOG_LVL_INFO))
		return;
	turn_slog_who(a, &w);
	log_info("session",
		 "allocation created id=%llx user=%s realm=%s client=%s local=%s transport=%s "
		 "relay=%s "
		 "relay_transport=%s lifetime=%u mobility=%s",
		 (unsigned long long)a->id, w.user, w.realm, w.client, w.local, w.transport,
		 w.relay, w.relay_transport, a->granted_s, a->mob ? "on" : "off");
}

static const char *turn_slog_family(int family)
{
	return family == AF_INET ? "ipv4" : family == AF_INET6 ? "ipv6" : "all";
}

void turn_slog_refreshed(const struct turn_alloc *a, uint32_t lifetime_s, int family)
{
	struct turn_slog_who w;

	if (!log_enabled(LOG_LVL_INFO))
		return;
	turn_slog_who(a, &w);
	log_info("session",
		 "allocation refreshed id=%llx user=%s realm=%s client=%s local=%s transport=%s "
		 "relay=%s "
		 "lifetime=%u family=%s",
		 (unsigned long long)a->id, w.user, w.realm, w.client, w.local, w.transport,
		 w.relay, lifetime_s, turn_slog_family(family));
}

void turn_slog_relay_ended(const struct turn_alloc *a, int family, enum turn_end why)
{
	struct turn_slog_who w;

	if (!log_enabled(LOG_LVL_INFO))
		return;
	turn_slog_who(a, &w);
	log_info("session",
		 "allocation relay ended id=%llx reason=%s family=%s user=%s realm=%s client=%s "
		 "local=%s "
		 "transport=%s relay=%s",
		 (unsigned long long)a->id, turn_end_name(why), turn_slog_family(family), w.user,
		 w.realm, w.client, w.local, w.transport, w.relay);
}

void turn_slog_moved(const struct turn_alloc *a, const struct addr *from)
{
	struct turn_slog_who w;
	char old[ADDR_STR_MAX];

	if (!log_enabled(LOG_LVL_INFO))
		return;
	turn_slog_who(a, &w);
	log_info("session",
		 "allocation moved id=%llx user=%s realm=%s client=%s local=%s transport=%s "
		 "relay=%s "
		 "from=%s",
		 (unsigned long long)a->id, w.user, w.realm, w.client, w.local, w.transport,
		 w.relay, addr_to_str(from, old, sizeof(old)));
}

void turn_slog_ended(const struct turn_alloc *a, uint64_t now_ms, enum turn_end why)
{
	const struct turn_alloc_stats *st = &a->st;
	uint64_t d = now_ms > st->created_ms ? now_ms - st->created_ms : 0;
	char dur[32];
	struct turn_slog_who w;

	if (!log_enabled(LOG_LVL_INFO))
		return;
	turn_slog_who(a, &w);
	if (now_ms)
		snprintf(dur, sizeof(dur), "%llu.%03llu", (unsigned long long)(d / 1000),
			 (unsigned long long)(d % 1000));
	else
		memcpy(dur, "unknown", 8);
	/* A TCP allocation (RFC 6062) relays over its data connections: bytes, no
	 * datagrams. */
	log_info("session",
		 "allocation ended id=%llx reason=%s user=%s realm=%s client=%s local=%s "
		 "transport=%s "
		 "relay=%s relay_transport=%s duration_s=%s pkts_to_peer=%llu bytes_to_peer=%llu "
		 "pkts_to_client=%llu bytes_to_client=%llu",
		 (unsigned long long)a->id, turn_end_name(why), w.user, w.realm, w.client, w.local,
		 w.transport, w.relay, w.relay_transport, dur, (unsigned long long)st->pkts_to_peer,
		 (unsigned long long)st->bytes_to_peer, (unsigned long long)st->pkts_to_client,
		 (unsigned long long)st->bytes_to_client);
}
