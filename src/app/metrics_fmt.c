/* The Prometheus text format of ternd's metrics (app/metrics_fmt.h). Names follow
 * Prometheus conventions: counters end in _total, bytes are bytes, gauges have no suffix. */
#include "app/metrics_fmt.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "stun/stun.h"

static void m_head(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void m_one(FILE *f, const char *name, uint64_t v)
{
	fprintf(f, "%s %" PRIu64 "\n", name, v);
}

/* name{l1="v1"} v or, with l2, name{l1="v1",l2="v2"} v. */
static void m_lab(FILE *f, const char *name, const char *l1, const char *v1, const char *l2,
		  const char *v2, uint64_t v)
{
	fprintf(f, "%s{%s=\"", name, l1);
	metrics_label_escape(f, v1);
	if (l2) {
		fprintf(f, "\",%s=\"", l2);
		metrics_label_escape(f, v2);
	}
	fprintf(f, "\"} %" PRIu64 "\n", v);
}

void metrics_label_escape(FILE *f, const char *s)
{
	for (;;) {
		size_t n = strcspn(s, "\\\"\n");

		fwrite(s, 1, n, f);
		s += n;
		if (*s == '\0')
			return;
		fputs(*s == '\n' ? "\\n" : *s == '"' ? "\\\"" : "\\\\", f);
		s++;
	}
}

static void m_allocations(FILE *f, const struct turn_stats *t)
{
	const char *n = "tern_allocations";

	m_head(f, n, "gauge", "Allocations now, by client transport and relayed family.");
	for (unsigned tr = 0; tr < TURN_TR_N; tr++)
		for (unsigned fam = 0; fam < TURN_FAM_N; fam++)
			m_lab(f, n, "transport", turn_transport_name(tr), "family",
			      turn_family_name(fam), t->allocs[tr][fam]);
	m_head(f, "tern_bps_granted", "gauge", "Bytes/s granted to allocations (bps-capacity).");
	m_one(f, "tern_bps_granted", t->bps_granted);
	m_head(f, "tern_allocations_created_total", "counter", "Allocations created.");
	m_one(f, "tern_allocations_created_total", t->c.allocs_total);
	n = "tern_allocation_failures_total";
	m_head(f, n, "counter",
	       "Authenticated Allocate requests refused, by STUN error code (other: any code "
	       "not listed).");
	for (unsigned i = 0; i < TURN_FAIL_SLOTS; i++) {
		char code[12];

		snprintf(code, sizeof(code), "%d", turn_fail_code(i));
		m_lab(f, n, "code", i ? code : "other", NULL, NULL, t->c.alloc_fail[i]);
	}
}

/* The methods that have requests, then "other". */
static void m_requests(FILE *f, const struct turn_counters *c)
{
	static const unsigned methods[] = {
		STUN_METHOD_BINDING,	       STUN_METHOD_ALLOCATE,	 STUN_METHOD_REFRESH,
		STUN_METHOD_CREATE_PERMISSION, STUN_METHOD_CHANNEL_BIND, STUN_METHOD_CONNECT,
		STUN_METHOD_CONNECTION_BIND};
	const char *n = "tern_stun_requests_total";

	m_head(f, n, "counter", "STUN requests received, by method and client transport.");
	for (unsigned tr = 0; tr < TURN_TR_N; tr++) {
		uint64_t other = 0;

		for (unsigned i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
			m_lab(f, n, "method", turn_method_name(methods[i]), "transport",
			      turn_transport_name(tr), c->requests[methods[i]][tr]);
		for (unsigned m = 0; m < TURN_METHOD_SLOTS; m++) {
			bool listed = false;

			for (unsigned i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
				listed = listed || methods[i] == m;
			other += listed ? 0 : c->requests[m][tr];
		}
		m_lab(f, n, "method", "other", "transport", turn_transport_name(tr), other);
	}
}

static void m_auth_peer(FILE *f, const struct turn_counters *c)
{
	const char *n = "tern_auth_failures_total";

	m_head(f, n, "counter",
	       "Requests that failed authentication, by reason (the first 401 challenge is "
	       "not counted).");
	for (unsigned i = 0; i < TURN_AUTH_FAIL_N; i++)
		m_lab(f, n, "reason", turn_auth_fail_name(i), NULL, NULL, c->auth_fail[i]);
	n = "tern_unauthenticated_replies_dropped_total";
	m_head(f, n, "counter",
	       "Replies to unauthenticated requests not sent: over the per-source limit.");
	m_one(f, n, c->unauth_limited);
	n = "tern_peer_denied_total";
	m_head(f, n, "counter",
	       "Peers refused: by CreatePermission, ChannelBind or Connect (own_address, "
	       "realm_denied, policy, family_mismatch), or per datagram or peer connection "
	       "(no_permission, not_relay).");
	for (unsigned i = 0; i < TURN_DENY_N; i++)
		m_lab(f, n, "reason", turn_peer_deny_name(i), NULL, NULL, c->peer_denied[i]);
}

/* Both paths always present: user space (the relay sockets) and the kernel fast path
 * (its counts taken about once a second, turn/fast_acct.c). */
static void m_relay(FILE *f, const struct turn_counters *c)
{
	const char *n = "tern_relay_packets_total";

	m_head(f, n, "counter",
	       "Datagrams relayed through UDP relays, by direction and path (user: the relay "
	       "sockets; kernel: the XDP fast path, added about once a second).");
	m_lab(f, n, "direction", "to_peer", "path", "user", c->relayed_to_peer);
	m_lab(f, n, "direction", "to_client", "path", "user", c->relayed_to_client);
	m_lab(f, n, "direction", "to_peer", "path", "kernel", c->fast_relayed_to_peer);
	m_lab(f, n, "direction", "to_client", "path", "kernel", c->fast_relayed_to_client);
	n = "tern_relay_bytes_total";
	m_head(f, n, "counter",
	       "Application data bytes relayed through UDP relays (without TURN framing), by "
	       "direction and path.");
	m_lab(f, n, "direction", "to_peer", "path", "user", c->relayed_bytes_to_peer);
	m_lab(f, n, "direction", "to_client", "path", "user", c->relayed_bytes_to_client);
	m_lab(f, n, "direction", "to_peer", "path", "kernel", c->fast_relayed_bytes_to_peer);
	m_lab(f, n, "direction", "to_client", "path", "kernel", c->fast_relayed_bytes_to_client);
	n = "tern_relay_throttled_total";
	m_head(f, n, "counter",
	       "Allocations the XDP fast path handed back to user space for their max-bps.");
	m_one(f, n, c->fast_throttled);
}

static void m_process(FILE *f, const struct metrics_view *v)
{
	const char *n = "tern_tcp_connections";

	m_head(f, n, "gauge",
	       "TCP and TLS connections now: client connections in their handshake, open, "
	       "holding an allocation; RFC 6062 peer data connections.");
	for (unsigned i = 0; i < NET_TCP_N; i++)
		m_lab(f, n, "state", net_tcp_state_name(i), NULL, NULL, v->net->tcp[i]);
	if (v->has_redis) {
		n = "tern_redis_up";
		m_head(f, n, "gauge", "1 when every worker's Redis connection is up.");
		m_one(f, n, v->redis.workers > 0 && v->redis.up >= v->redis.workers);
		n = "tern_redis_lookups_total";
		m_head(f, n, "counter", "Credential lookups of the Redis store, by result.");
		for (unsigned i = 0; i < CRED_REDIS_RESULTS; i++)
			m_lab(f, n, "result", cred_redis_result_name(i), NULL, NULL,
			      v->redis.lookups[i]);
	}
	if (v->fd_limit >= 0) {
		m_head(f, "tern_fd_limit", "gauge", "The descriptor limit (RLIMIT_NOFILE).");
		m_one(f, "tern_fd_limit", (uint64_t)v->fd_limit);
	}
	if (v->fds_open >= 0) {
		m_head(f, "tern_fds_open", "gauge", "Descriptors open.");
		m_one(f, "tern_fds_open", (uint64_t)v->fds_open);
	}
	m_head(f, "tern_build_info", "gauge", "Always 1; the version in a label.");
	m_lab(f, "tern_build_info", "version", v->version, NULL, NULL, 1);
	m_head(f, "tern_ready", "gauge", "1 when /readyz answers 200.");
	m_one(f, "tern_ready", v->ready);
	m_head(f, "tern_draining", "gauge", "1 while draining (new allocations refused).");
	m_one(f, "tern_draining", v->draining);
}

static void m_realms(FILE *f, const struct metrics_view *v)
{
	const char *n = "tern_realm_relay_packets_total";

	m_head(f, n, "counter", "Datagrams relayed through UDP relays, by realm and direction.");
	for (size_t i = 0; i < v->nrealms; i++) {
		m_lab(f, n, "realm", v->realms[i].realm, "direction", "to_peer",
		      v->realms[i].pkts_to_peer);
		m_lab(f, n, "realm", v->realms[i].realm, "direction", "to_client",
		      v->realms[i].pkts_to_client);
	}
	n = "tern_realm_relay_bytes_total";
	m_head(f, n, "counter",
	       "Application data bytes relayed through UDP relays, by realm and direction.");
	for (size_t i = 0; i < v->nrealms; i++) {
		m_lab(f, n, "realm", v->realms[i].realm, "direction", "to_peer",
		      v->realms[i].bytes_to_peer);
		m_lab(f, n, "realm", v->realms[i].realm, "direction", "to_client",
		      v->realms[i].bytes_to_client);
	}
}

static void m_xdp(FILE *f, const struct net_xdp_stats *x)
{
	const char *n = "tern_xdp_forwarded_total";

	m_head(f, n, "counter",
	       "Datagrams the XDP fast path relayed in the kernel (both directions, all relays).");
	m_one(f, n, x->forwarded);
	n = "tern_xdp_passed_total";
	m_head(f, n, "counter",
	       "Datagrams the XDP fast path passed to the stack (user space then handles those "
	       "for a relay), by reason.");
	for (unsigned i = 0; i < NET_XDP_REASONS; i++)
		m_lab(f, n, "reason", net_xdp_reason_name(i), NULL, NULL, x->passed[i]);
}

int metrics_format(FILE *f, const struct metrics_view *v)
{
	const struct turn_stats *t = &v->net->turn;

	m_allocations(f, t);
	m_requests(f, &t->c);
	m_auth_peer(f, &t->c);
	m_relay(f, &t->c);
	m_process(f, v);
	if (v->realms)
		m_realms(f, v);
	if (v->xdp)
		m_xdp(f, v->xdp);
	return ferror(f) ? -EIO : 0;
}
