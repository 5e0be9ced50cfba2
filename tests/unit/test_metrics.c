/* Metrics: the per-scrape sum of worker snapshots (net/stats.h) and the Prometheus text
 * format (app/metrics_fmt.h): values, labels, escaping, HELP and TYPE before every
 * sample, Redis metrics only with Redis. */
#include "app/metrics_fmt.h"

#include <stdlib.h>
#include <string.h>

#include "net/stats.h"
#include "stun/stun.h"
#include "tap.h"

static char *format(const struct metrics_view *v)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (f == NULL)
		return NULL;
	CHECK_EQ_INT(metrics_format(f, v), 0, "metrics_format succeeds");
	fclose(f);
	return text;
}

static void test_sum(void)
{
	struct net_stats a = {0}, b = {0}, sum = {0};

	a.turn.c.relayed_to_peer = 3;
	b.turn.c.relayed_to_peer = 4;
	a.turn.c.requests[STUN_METHOD_ALLOCATE][TURN_TR_TCP] = 5;
	b.turn.c.requests[STUN_METHOD_ALLOCATE][TURN_TR_TCP] = 6;
	a.turn.allocs[TURN_TR_DTLS][TURN_FAM_DUAL] = 1;
	b.turn.c.alloc_fail[TURN_FAIL_SLOTS - 1] = 9;
	a.tcp[NET_TCP_PEER] = 2;
	b.workers = a.workers = 1;
	net_stats_add(&sum, &a);
	net_stats_add(&sum, &b);
	CHECK(sum.turn.c.relayed_to_peer == 7, "sum: a counter");
	CHECK(sum.turn.c.requests[STUN_METHOD_ALLOCATE][TURN_TR_TCP] == 11, "sum: a 2-D counter");
	CHECK(sum.turn.allocs[TURN_TR_DTLS][TURN_FAM_DUAL] == 1, "sum: a gauge");
	CHECK(sum.turn.c.alloc_fail[TURN_FAIL_SLOTS - 1] == 9, "sum: the last slot of an array");
	CHECK(sum.tcp[NET_TCP_PEER] == 2 && sum.workers == 2, "sum: net's own fields");
}

static void test_fail_slots(void)
{
	CHECK(turn_fail_code(turn_fail_slot(508)) == 508, "508 has its slot");
	CHECK(turn_fail_code(turn_fail_slot(300)) == 300, "300 has its slot");
	CHECK(turn_fail_slot(599) == 0, "an unlisted code: slot 0");
	for (unsigned i = 1; i < TURN_FAIL_SLOTS; i++)
		CHECK(turn_fail_slot(turn_fail_code(i)) == i, "slot %u round trip", i);
}

/* Every sample line's metric has a TYPE line earlier, and HELP right before TYPE. */
static void check_shape(const char *text)
{
	char *copy = strdup(text), *save = NULL, *line;
	char typed[64][80];
	int ntyped = 0, bad = 0, samples = 0;
	const char *prev = "";

	for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char name[80];

		if (strncmp(line, "# TYPE ", 7) == 0 && ntyped < 64) {
			sscanf(line + 7, "%79s", typed[ntyped++]);
			bad += strncmp(prev, "# HELP ", 7) != 0;
		} else if (line[0] != '#') {
			int found = 0;

			sscanf(line, "%79[^{ ]", name);
			for (int i = 0; i < ntyped; i++)
				found |= strcmp(typed[i], name) == 0;
			bad += !found;
			samples++;
		}
		prev = line;
	}
	CHECK(bad == 0 && samples > 50, "every sample typed, HELP before TYPE (%d samples)",
	      samples);
	free(copy);
}

static void test_format(void)
{
	struct net_stats ns = {0};
	struct metrics_view v = {
		.net = &ns, .version = "1.2\"x\\", .fd_limit = 1024, .fds_open = 17, .ready = true};
	char *text;

	ns.turn.c.relayed_to_peer = 160;
	ns.turn.c.relayed_bytes_to_client = 19200;
	ns.turn.c.fast_relayed_to_peer = 90;
	ns.turn.c.fast_relayed_bytes_to_client = 4800;
	ns.turn.c.fast_throttled = 2;
	ns.turn.c.requests[STUN_METHOD_CHANNEL_BIND][TURN_TR_TLS] = 7;
	ns.turn.c.requests[0x3f & (TURN_METHOD_SLOTS - 1)][TURN_TR_UDP] = 2; /* no method */
	ns.turn.c.alloc_fail[turn_fail_slot(486)] = 3;
	ns.turn.c.auth_fail[TURN_AUTH_BAD_INTEGRITY] = 4;
	ns.turn.c.peer_denied[TURN_DENY_REALM] = 5;
	ns.turn.allocs[TURN_TR_TCP][TURN_FAM_IPV6] = 6;
	ns.turn.bps_granted = 40000;
	ns.tcp[NET_TCP_ALLOCATED] = 8;
	text = format(&v);
	if (text == NULL)
		return;
	CHECK(strstr(text, "\ntern_relay_packets_total{direction=\"to_peer\",path=\"user\"} 160\n"),
	      "packets, user space");
	CHECK(strstr(text,
		     "\ntern_relay_bytes_total{direction=\"to_client\",path=\"user\"} 19200\n"),
	      "bytes, user space");
	CHECK(strstr(text,
		     "\ntern_relay_packets_total{direction=\"to_peer\",path=\"kernel\"} 90\n"),
	      "packets, kernel");
	CHECK(strstr(text,
		     "\ntern_relay_bytes_total{direction=\"to_client\",path=\"kernel\"} 4800\n"),
	      "bytes, kernel");
	CHECK(strstr(text,
		     "\ntern_relay_packets_total{direction=\"to_client\",path=\"kernel\"} 0\n"),
	      "both paths always present");
	CHECK(strstr(text, "\ntern_relay_throttled_total 2\n"), "throttled");
	CHECK(strstr(text, "tern_relay_packets_total{direction=\"to_peer\"}") == NULL,
	      "no relay series without its path");
	CHECK(strstr(text,
		     "\ntern_stun_requests_total{method=\"channel_bind\",transport=\"tls\"} 7\n"),
	      "requests by method and transport");
	CHECK(strstr(text, "\ntern_stun_requests_total{method=\"other\",transport=\"udp\"} 2\n"),
	      "a slot of no method: other");
	CHECK(strstr(text, "\ntern_allocation_failures_total{code=\"486\"} 3\n"), "failures");
	CHECK(strstr(text, "\ntern_auth_failures_total{reason=\"bad_integrity\"} 4\n"), "auth");
	CHECK(strstr(text, "\ntern_peer_denied_total{reason=\"realm_denied\"} 5\n"), "peer");
	CHECK(strstr(text, "\ntern_allocations{transport=\"tcp\",family=\"ipv6\"} 6\n"), "allocs");
	CHECK(strstr(text, "\ntern_tcp_connections{state=\"allocated\"} 8\n"), "tcp");
	CHECK(strstr(text, "\ntern_bps_granted 40000\n"), "bandwidth granted");
	CHECK(strstr(text, "\ntern_build_info{version=\"1.2\\\"x\\\\\"} 1\n"), "label escaped");
	CHECK(strstr(text, "\ntern_fds_open 17\n") && strstr(text, "\ntern_fd_limit 1024\n"),
	      "descriptors");
	CHECK(strstr(text, "\ntern_ready 1\n") && strstr(text, "\ntern_draining 0\n"), "state");
	CHECK(strstr(text, "# TYPE tern_relay_packets_total counter\n"), "counter typed");
	CHECK(strstr(text, "# TYPE tern_allocations gauge\n"), "gauge typed");
	CHECK(strstr(text, "tern_redis") == NULL, "no Redis metrics without Redis");
	check_shape(text);
	free(text);

	v.has_redis = true;
	v.redis.workers = 2;
	v.redis.up = 1;
	v.redis.lookups[CRED_REDIS_TIMEOUT] = 11;
	v.fds_open = -1;
	text = format(&v);
	if (text == NULL)
		return;
	CHECK(strstr(text, "\ntern_redis_up 0\n"), "Redis down on one worker: up 0");
	CHECK(strstr(text, "\ntern_redis_lookups_total{result=\"timeout\"} 11\n"), "lookups");
	CHECK(strstr(text, "tern_fds_open") == NULL, "an unknown figure is left out");
	check_shape(text);
	free(text);
}

static void test_realms(void)
{
	struct turn_realm_traffic t[3], one = {.pkts_to_peer = 1, .bytes_to_client = 10};
	struct net_stats ns = {0};
	struct metrics_view v = {.net = &ns, .version = "1", .fd_limit = -1, .fds_open = -1};
	size_t n = 0;
	char *text;

	strcpy(one.realm, "a");
	turn_realm_traffic_add(t, 3, &n, &one);
	turn_realm_traffic_add(t, 3, &n, &one);
	strcpy(one.realm, "b\"");
	turn_realm_traffic_add(t, 3, &n, &one);
	CHECK(n == 2 && t[0].pkts_to_peer == 2 && t[0].bytes_to_client == 20, "merged by realm");
	strcpy(one.realm, "c");
	turn_realm_traffic_add(t, 3, &n, &one);
	strcpy(one.realm, "d");
	turn_realm_traffic_add(t, 3, &n, &one);
	CHECK(n == 3 && strcmp(t[2].realm, TURN_REALM_OTHER) == 0 && t[2].pkts_to_peer == 2,
	      "beyond the slots: one entry for the others");
	text = format(&v);
	CHECK(text && strstr(text, "tern_realm") == NULL, "no realm metrics unless asked");
	free(text);
	v.realms = t;
	v.nrealms = n;
	text = format(&v);
	if (text == NULL)
		return;
	CHECK(strstr(text,
		     "\ntern_realm_relay_packets_total{realm=\"a\",direction=\"to_peer\"} 2\n"),
	      "packets by realm");
	CHECK(strstr(text, "\ntern_realm_relay_bytes_total{realm=\"b\\\"\",direction=\"to_client\"}"
			   " 10\n"),
	      "bytes by realm, the realm escaped");
	check_shape(text);
	free(text);
}

/* The XDP fast path's counters: only when it is attached; every pass reason a sample. */
static void test_xdp(void)
{
	struct net_stats ns = {0};
	struct net_xdp_stats xs = {.forwarded = 12345};
	struct metrics_view v = {.net = &ns, .version = "1", .fd_limit = -1, .fds_open = -1};
	char *text, line[96];
	int missing = 0;

	text = format(&v);
	CHECK(text && strstr(text, "tern_xdp") == NULL, "no tern_xdp_* without the fast path");
	free(text);
	for (unsigned i = 0; i < NET_XDP_REASONS; i++)
		xs.passed[i] = 100 + i;
	v.xdp = &xs;
	text = format(&v);
	if (text == NULL)
		return;
	CHECK(strstr(text, "\ntern_xdp_forwarded_total 12345\n"), "forwarded packets");
	for (unsigned i = 0; i < NET_XDP_REASONS; i++) {
		snprintf(line, sizeof(line), "\ntern_xdp_passed_total{reason=\"%s\"} %u\n",
			 net_xdp_reason_name(i), 100 + i);
		missing += strstr(text, line) == NULL;
	}
	CHECK_EQ_INT(missing, 0, "a passed sample for each of the %d reasons", NET_XDP_REASONS);
	CHECK(strstr(text, "reason=\"throttled\"} 114\n") &&
		      strstr(text, "reason=\"no_route\"} 116"),
	      "reasons named as the program counts them (throttled, no_route)");
	check_shape(text);
	free(text);
}

int main(void)
{
	test_sum();
	test_realms();
	test_fail_slots();
	test_format();
	test_xdp();
	return tap_done();
}
