/*
 * turnload — TURN load generator for scripts/bench.sh. See turnload.h for
 * the files; usage below. Results are key=value lines on stdout; exit status
 * 0 on success, 1 on a local failure, 2 on bad options, 3 when the server
 * did not grant the allocations (e.g. TURN not supported).
 *
 *   relay  --sessions N allocations relay datagrams both ways at full rate
 *          for each --sizes payload, then a round-trip phase at --rtt-rate
 *          (tl_relay.c). A --target with a relay port is tests/bench/forward.
 *          With several --target, the servers (all running at once) take
 *          the load in turn, --slice-ms each, so every one is measured
 *          under the same conditions of the machine.
 *   alloc  --sessions N clients each repeat: Allocate -> 401 -> Allocate with
 *          credentials -> Refresh LIFETIME 0 (same nonce); cycles per
 *          second and per server CPU-second.
 *   hold   server VmRSS settled, then --cycles allocate/free cycles
 *          (--cycle-window at once) and VmRSS again (growth over the cycles);
 *          then --sessions N allocations held at once: VmRSS while held and
 *          after release.
 *   soak   --duration S (600) of churn and relaying against one server:
 *          --sessions relayers (64) relay --rate datagrams/s each way and
 *          refresh permissions, channels and allocations every --refresh;
 *          --churners clients start --churn-rate allocate/bind/free cycles
 *          a second, --abandon-pct of them left to expire; the server's
 *          VmRSS and descriptors every --interval (tl_soak.c).
 *   tls-relay, tls-alloc, tls-hold
 *          relay (one server, one payload size after another), alloc and
 *          hold over TLS-over-TCP to --port, a TLS port: every connection a
 *          full handshake (tl_tls.h). tls-alloc's cycle: TCP connect, TLS
 *          handshake, Allocate, 401, Allocate, Refresh 0, close; tls-hold:
 *          VmRSS settled after a few cycles, then with --sessions N TLS
 *          allocations held (no cycles).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* recvmmsg, sendmmsg */
#endif
#include "turnload.h"

#include "procstat.h"
#include "tl_tls.h"

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

/* Hard bound on the whole run, whatever the options. */
#define TL_MAX_RUN_S 300
#define TL_SETTLE_MS 500

static int tl_lat_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* The q-quantile (0..1) of the allocation times recorded, -1 when none. */
static double tl_lat_quantile(struct tl *t, double q)
{
	if (t->nlat == 0)
		return -1;
	return t->lat_us[(size_t)((double)(t->nlat - 1) * q)];
}

static int tl_alloc_main(struct tl *t)
{
	struct tl_snap a, b;
	struct tl_counts c0;
	double secs, scpu, self, busy;
	uint64_t start = tl_now_ms();
	int n = t->o.sessions;

	t->cycling = true;
	for (int i = 0; i < n; i++)
		tl_sess_start(t, &t->sess[i], TL_GOAL_CYCLE);
	(void)tl_ctl_run(t, start + (uint64_t)t->o.warmup_ms, UINT64_MAX);
	if (t->c.cycles == 0) {
		fprintf(stderr,
			"turnload: no allocate/free cycle completed in the warm-up "
			"(last error code %d, %llu timeouts)\n",
			t->c.last_code, (unsigned long long)t->c.timeouts);
		return 3;
	}
	c0 = t->c;
	t->lat_us = calloc(TL_LAT_MAX, sizeof(*t->lat_us));
	t->nlat = 0;
	tl_snap_take(t, &a);
	(void)tl_ctl_run(t, tl_now_ms() + (uint64_t)(t->o.duration_s * 1000),
			 c0.cycles + (uint64_t)t->o.cycles);
	tl_snap_take(t, &b);
	uint64_t cyc = t->c.cycles - c0.cycles;
	size_t nlat = t->nlat;

	if (t->lat_us)
		qsort(t->lat_us, nlat, sizeof(*t->lat_us), tl_lat_cmp);
	tl_release_all(t, 3000);
	t->nlat = nlat; /* the measured interval's only */
	tl_snap_diff(&a, &b, &secs, &scpu, &self, &busy);
	printf("phase=alloc sessions=%d secs=%.2f cycles=%llu cps=%.0f server_cpu=%.2f "
	       "cycles_per_cpu_s=%.0f us_per_cycle=%.1f errors=%llu timeouts=%llu "
	       "mismatches=%llu loadgen_cpu=%.2f core_busy=%.2f alloc_p50_us=%.0f "
	       "alloc_p99_us=%.0f\n",
	       n, secs, (unsigned long long)cyc, (double)cyc / secs, scpu,
	       scpu > 0 ? (double)cyc / scpu : -1, cyc ? scpu * 1e6 / (double)cyc : -1,
	       (unsigned long long)(t->c.errors - c0.errors),
	       (unsigned long long)(t->c.timeouts - c0.timeouts),
	       (unsigned long long)(t->c.mismatches - c0.mismatches), self, busy,
	       tl_lat_quantile(t, 0.5), tl_lat_quantile(t, 0.99));
	free(t->lat_us);
	t->lat_us = NULL;
	return 0;
}

static long tl_settled_rss(const struct tl *t)
{
	usleep(TL_SETTLE_MS * 1000);
	return procstat_rss_kb(t->o.pid);
}

/* Cycles on the first o.cycle_window sessions until `count` more complete. */
static int tl_hold_cycles(struct tl *t, uint64_t count, int deadline_s)
{
	uint64_t stop = t->c.cycles + count;
	int w = t->o.cycle_window < t->nsess ? t->o.cycle_window : t->nsess;

	t->cycling = true;
	for (int i = 0; i < w; i++)
		tl_sess_start(t, &t->sess[i], TL_GOAL_CYCLE);
	int err = tl_ctl_run(t, tl_now_ms() + (uint64_t)deadline_s * 1000, stop);
	t->cycling = false;
	(void)tl_ctl_run(t, tl_now_ms() + 3000, 0);
	return err;
}

static int tl_hold_main(struct tl *t)
{
	struct tl_snap a, b;
	double secs, scpu, self, busy;
	long rss0, rss1, rss2, rss3;
	int held = 0;

	if (tl_hold_cycles(t, 200, 10) < 0 || t->c.cycles == 0) {
		fprintf(stderr, "turnload: warm-up allocations failed (last error code %d)\n",
			t->c.last_code);
		return 3;
	}
	/* The cycles first, from the settled baseline: RSS after them against the baseline
	 * shows growth per cycle; then the burst of held allocations. */
	rss0 = tl_settled_rss(t);
	uint64_t c0 = t->c.cycles, e0 = t->c.errors;
	tl_snap_take(t, &a);
	(void)tl_hold_cycles(t, (uint64_t)t->o.cycles, 60);
	tl_snap_take(t, &b);
	rss3 = tl_settled_rss(t);
	uint64_t t0 = tl_now_ms();
	(void)tl_ctl_start(t, 0, t->nsess, TL_GOAL_ALLOC, TL_CTL_WINDOW, t0 + 60000);
	double hold_s = (double)(tl_now_ms() - t0) / 1e3;
	for (int i = 0; i < t->nsess; i++)
		held += t->sess[i].has_alloc;
	rss1 = tl_settled_rss(t);
	tl_release_all(t, 30000);
	rss2 = tl_settled_rss(t);
	tl_snap_diff(&a, &b, &secs, &scpu, &self, &busy);
	uint64_t cyc = t->c.cycles - c0;
	printf("phase=hold allocs=%d held=%d hold_secs=%.2f rss_base_kb=%ld rss_held_kb=%ld "
	       "bytes_per_alloc=%.0f rss_released_kb=%ld cycles=%llu cycle_secs=%.2f "
	       "us_per_cycle=%.1f rss_after_cycles_kb=%ld cycles_growth_kb=%ld "
	       "vs_base_kb=%ld errors=%llu timeouts=%llu failed=%llu mismatches=%llu "
	       "last_code=%d\n",
	       t->nsess, held, hold_s, rss0, rss1,
	       held ? (double)(rss1 - rss3) * 1024.0 / held : -1, rss2, (unsigned long long)cyc,
	       secs, cyc ? scpu * 1e6 / (double)cyc : -1, rss3, rss3 - rss0, rss3 - rss0,
	       (unsigned long long)(t->c.errors - e0), (unsigned long long)t->c.timeouts,
	       (unsigned long long)t->c.failed, (unsigned long long)t->c.mismatches,
	       t->c.last_code);
	return held ? 0 : 3;
}

static void tl_usage(FILE *f)
{
	fprintf(f,
		"usage: turnload --mode relay|alloc|hold|soak|tls-relay|tls-alloc|tls-hold "
		"[options]\n"
		"  --host IP           server IPv4 address (127.0.0.1)\n"
		"  --port N            server UDP port (3478)\n"
		"  --user U --pass P   long-term credentials (bench, bench)\n"
		"  --sessions N        allocations (relay 1, hold 10000) or clients in flight\n"
		"                      (alloc 64); at most %d\n"
		"  --sizes A[,B..]     relay payload sizes in bytes (160,1200)\n"
		"  --duration S        each measured phase, at most %d s (5; soak below)\n"
		"  --warmup-ms N       unmeasured lead-in of each phase (500)\n"
		"  --window N          relay: datagrams in flight per direction (256)\n"
		"  --rtt-rate N        relay: round-trip phase datagrams/s; 0 = none (5000)\n"
		"  --rtt-secs S        relay: round-trip phase length (2)\n"
		"  --cycles N          alloc: stop after N cycles; hold: cycles after (20000)\n"
		"  --cycle-window N    hold: clients cycling at once (64)\n"
		"  --lifetime S        LIFETIME requested (600)\n"
		"  --timeout-ms N      request retransmission timeout (500)\n"
		"  --pid PID           server process to sample (CPU, VmRSS)\n"
		"  --core N            CPU whose busy share to report\n"
		"  --target NAME:PORT:PID[:RELAYPORT]\n"
		"                      relay: a server measured side by side with the other\n"
		"                      --target (at most %d); RELAYPORT: a bare forwarder\n"
		"  --slice-ms N        relay: each target's turn with the load (250)\n"
		"  --rtt-turn-ms N     relay: the same in the round-trip phase (20)\n"
		"  --poll-idle C[,C..] relay: keep these CPUs out of the idle halt during the\n"
		"                      round-trip phase (SCHED_IDLE spinners; none by default)\n"
		"  --peer-netns PATH   relay: open the peer sockets in this network namespace\n"
		"                      (/var/run/netns/NAME); the client sockets stay in ours\n"
		"  --peer-ip IP        relay: address the peer sockets bind (the server's)\n"
		"  --client-ip IP      address the client sockets bind (the server's)\n"
		"  --cpu-pids P[,P..]  more tasks whose CPU time counts as the server's (the NAPI\n"
		"                      threads of its interfaces), at most %d\n"
		"soak (--duration: the whole soak, 600 s, at most %d; --sessions: relayers, 64;\n"
		"--pid required):\n"
		"  --interval S        a sample of the server every S seconds (30)\n"
		"  --soak-warmup S     RSS growth is measured from the end of this (60)\n"
		"  --rate N            relayed datagrams/s each way, all relayers (2000)\n"
		"  --refresh S         each relayer's CreatePermission, ChannelBind, Refresh (20)\n"
		"  --churners N        clients allocating and freeing (32)\n"
		"  --churn-rate N      allocation cycles started per second (100)\n"
		"  --abandon-pct N     cycles left to the server's lifetime timer (10)\n"
		"  --drain S           after the load, at most S s for the server's descriptors\n"
		"                      to come back (the lifetime + 30)\n"
		"tls-relay, tls-alloc, tls-hold (--port: the server's TLS port; --sessions:\n"
		"allocations relaying, 16; connections cycling, 32; allocations held, 2000):\n"
		"  --tls12             offer TLS 1.2 only (default: 1.2 and 1.3)\n"
		"  --tls-resume        tls-alloc: every session resumes an earlier one (the\n"
		"                      newest ticket) instead of a full handshake\n",
		TL_MAX_SESSIONS, TL_MAX_DURATION_S, TL_MAX_TARGETS, TL_MAX_CPU_PIDS, TL_SOAK_MAX_S);
}

static int tl_parse_cpus(struct tl_opts *o, const char *arg)
{
	char buf[128], *save = NULL, *end;

	snprintf(buf, sizeof(buf), "%s", arg);
	o->npoll = 0;
	for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		long v = strtol(tok, &end, 10);
		if (*end || end == tok || v < 0 || v > 1023 || o->npoll == TL_MAX_POLL_CPUS)
			return -EINVAL;
		o->poll_cpu[o->npoll++] = (int)v;
	}
	return o->npoll ? 0 : -EINVAL;
}

static int tl_parse_pids(struct tl_opts *o, const char *arg)
{
	char buf[128], *save = NULL, *end;

	snprintf(buf, sizeof(buf), "%s", arg);
	o->ncpu_pids = 0;
	for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		long v = strtol(tok, &end, 10);
		if (*end || end == tok || v <= 0 || v > 1 << 22 || o->ncpu_pids == TL_MAX_CPU_PIDS)
			return -EINVAL;
		o->cpu_pids[o->ncpu_pids++] = (int)v;
	}
	return 0;
}

/* NAME:PORT:PID[:RELAYPORT] */
static int tl_parse_target(struct tl_opts *o, const char *arg)
{
	struct tl_target *g;
	int port, pid, relay = 0, used = 0;
	char name[sizeof(g->name)];

	if (o->ntgt == TL_MAX_TARGETS ||
	    sscanf(arg, "%15[^:]:%d:%d%n:%d%n", name, &port, &pid, &used, &relay, &used) < 3 ||
	    arg[used] != '\0' || port < 1 || port > 65535 || pid < 0 || relay < 0 || relay > 65535)
		return -EINVAL;
	g = &o->tgt[o->ntgt++];
	snprintf(g->name, sizeof(g->name), "%s", name);
	g->port = port;
	g->pid = pid;
	g->relay_port = relay;
	return 0;
}

static int tl_parse_sizes(struct tl_opts *o, const char *arg)
{
	char buf[128], *save = NULL;

	snprintf(buf, sizeof(buf), "%s", arg);
	o->nsizes = 0;
	for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		int v = atoi(tok);
		if (o->nsizes == TL_MAX_SIZES || v < TL_MIN_PAYLOAD || v > TL_MAX_PAYLOAD)
			return -EINVAL;
		o->sizes[o->nsizes++] = v;
	}
	return o->nsizes ? 0 : -EINVAL;
}

static int tl_parse_mode(struct tl_opts *o, const char *arg)
{
	static const char *const names[] = {"relay",	 "alloc",     "hold",	 "soak",
					    "tls-relay", "tls-alloc", "tls-hold"};
	static const int sessions[] = {1, 64, 10000, 64, 16, 32, 2000};

	for (int i = 0; i < 7; i++) {
		if (strcmp(arg, names[i]) == 0) {
			o->mode = (enum tl_mode)i;
			if (!o->sessions)
				o->sessions = sessions[i];
			return 0;
		}
	}
	return -EINVAL;
}

/* The soak mode's own options. */
static int tl_check_soak(const struct tl_opts *o)
{
	if (o->pid <= 0 || o->duration_s > TL_SOAK_MAX_S || o->interval_s < 1 ||
	    o->soak_warmup_s < 0 || o->soak_warmup_s > o->duration_s || o->rate < 0 ||
	    o->rate > 100000 || o->churners < 1 || o->churn_rate < 0 || o->churn_rate > 20000 ||
	    o->abandon_pct < 0 || o->abandon_pct > 100 || o->refresh_s < 1 || o->drain_s < 0 ||
	    o->drain_s > 600 || o->sessions + o->churners > TL_MAX_SESSIONS ||
	    o->sessions > 0x3FFF - o->churners)
		return -EINVAL;
	return 0;
}

static int tl_check(const struct tl_opts *o)
{
	if (o->mode == TL_MODE_SOAK && tl_check_soak(o) < 0)
		return -EINVAL;
	if (o->port < 1 || o->port > 65535 || o->sessions < 1 || o->sessions > TL_MAX_SESSIONS ||
	    o->duration_s <= 0 || (o->duration_s > TL_MAX_DURATION_S && o->mode != TL_MODE_SOAK) ||
	    o->warmup_ms < 0 || o->warmup_ms > 10000 || o->window < 1 || o->window > 65536 ||
	    o->rtt_rate < 0 || o->rtt_rate > 200000 || o->rtt_secs <= 0 ||
	    o->rtt_secs > TL_MAX_DURATION_S || o->cycles < 1 || o->cycle_window < 1 ||
	    o->lifetime < 0 || o->timeout_ms < 10)
		return -EINVAL;
	if (o->ntgt && o->mode != TL_MODE_RELAY)
		return -EINVAL;
	if (o->mode >= TL_MODE_TLS_RELAY && o->sessions > TL_TLS_MAX_CONNS)
		return -EINVAL;
	for (int i = 0; i < o->ntgt; i++)
		if (o->tgt[i].relay_port && o->tgt[i].relay_port + o->sessions > 65536)
			return -EINVAL;
	if (o->slice_ms < 50 || o->slice_ms > 5000 || o->rtt_turn_ms < 5 || o->rtt_turn_ms > 5000)
		return -EINVAL;
	return 0;
}

static int tl_parse(int argc, char **argv, struct tl_opts *o)
{
	static const struct option longs[] = {
		{"mode", 1, 0, 'm'},	    {"host", 1, 0, 'H'},
		{"port", 1, 0, 'p'},	    {"user", 1, 0, 'U'},
		{"pass", 1, 0, 'W'},	    {"sessions", 1, 0, 's'},
		{"sizes", 1, 0, 'z'},	    {"duration", 1, 0, 'd'},
		{"warmup-ms", 1, 0, 'u'},   {"window", 1, 0, 'w'},
		{"rtt-rate", 1, 0, 'r'},    {"rtt-secs", 1, 0, 'R'},
		{"cycles", 1, 0, 'n'},	    {"cycle-window", 1, 0, 'N'},
		{"lifetime", 1, 0, 'l'},    {"timeout-ms", 1, 0, 't'},
		{"pid", 1, 0, 'P'},	    {"core", 1, 0, 'c'},
		{"help", 0, 0, 'h'},	    {"target", 1, 0, 'T'},
		{"slice-ms", 1, 0, 'S'},    {"poll-idle", 1, 0, 'I'},
		{"rtt-turn-ms", 1, 0, 'i'}, {"interval", 1, 0, 'A'},
		{"soak-warmup", 1, 0, 'B'}, {"rate", 1, 0, 'C'},
		{"refresh", 1, 0, 'D'},	    {"churners", 1, 0, 'E'},
		{"churn-rate", 1, 0, 'F'},  {"abandon-pct", 1, 0, 'G'},
		{"drain", 1, 0, 'J'},	    {"tls12", 0, 0, 'K'},
		{"tls-resume", 0, 0, 'L'},  {"peer-netns", 1, 0, 'Q'},
		{"peer-ip", 1, 0, 'O'},	    {"cpu-pids", 1, 0, 'X'},
		{"client-ip", 1, 0, 'Y'},   {0, 0, 0, 0},
	};
	const char *mode = NULL;
	int ch;

	while ((ch = getopt_long(argc, argv, "h", longs, NULL)) != -1) {
		switch (ch) {
		case 'm':
			mode = optarg;
			break;
		case 'H':
			o->host = optarg;
			break;
		case 'p':
			o->port = atoi(optarg);
			break;
		case 'U':
			o->cred.user = optarg;
			break;
		case 'W':
			o->cred.pass = optarg;
			break;
		case 's':
			o->sessions = atoi(optarg);
			break;
		case 'z':
			if (tl_parse_sizes(o, optarg) < 0)
				return -EINVAL;
			break;
		case 'd':
			o->duration_s = atof(optarg);
			break;
		case 'u':
			o->warmup_ms = atoi(optarg);
			break;
		case 'w':
			o->window = atoi(optarg);
			break;
		case 'r':
			o->rtt_rate = atoi(optarg);
			break;
		case 'R':
			o->rtt_secs = atof(optarg);
			break;
		case 'n':
			o->cycles = atoi(optarg);
			break;
		case 'N':
			o->cycle_window = atoi(optarg);
			break;
		case 'l':
			o->lifetime = atoi(optarg);
			break;
		case 't':
			o->timeout_ms = atoi(optarg);
			break;
		case 'P':
			o->pid = atoi(optarg);
			break;
		case 'c':
			o->core = atoi(optarg);
			break;
		case 'T':
			if (tl_parse_target(o, optarg) < 0)
				return -EINVAL;
			break;
		case 'S':
			o->slice_ms = atoi(optarg);
			break;
		case 'i':
			o->rtt_turn_ms = atoi(optarg);
			break;
		case 'I':
			if (tl_parse_cpus(o, optarg) < 0)
				return -EINVAL;
			break;
		case 'A':
			o->interval_s = atoi(optarg);
			break;
		case 'B':
			o->soak_warmup_s = atoi(optarg);
			break;
		case 'C':
			o->rate = atoi(optarg);
			break;
		case 'D':
			o->refresh_s = atoi(optarg);
			break;
		case 'E':
			o->churners = atoi(optarg);
			break;
		case 'F':
			o->churn_rate = atoi(optarg);
			break;
		case 'G':
			o->abandon_pct = atoi(optarg);
			break;
		case 'J':
			o->drain_s = atoi(optarg);
			break;
		case 'K':
			o->tls12 = true;
			break;
		case 'L':
			o->tls_resume = true;
			break;
		case 'Q':
			o->peer_netns = optarg;
			break;
		case 'O':
			o->peer_ip = optarg;
			break;
		case 'Y':
			o->client_ip = optarg;
			break;
		case 'X':
			if (tl_parse_pids(o, optarg) < 0)
				return -EINVAL;
			break;
		case 'h':
			tl_usage(stdout);
			exit(0);
		default:
			return -EINVAL;
		}
	}
	if (!mode || optind != argc || tl_parse_mode(o, mode) < 0)
		return -EINVAL;
	if (o->mode == TL_MODE_ALLOC && o->cycles == 20000)
		o->cycles = 100000000; /* alloc: bounded by --duration unless given */
	if (o->duration_s == 0)
		o->duration_s = o->mode == TL_MODE_SOAK ? 600 : 5;
	if (o->drain_s < 0)
		o->drain_s = o->lifetime + 30;
	return tl_check(o);
}

int tl_init(struct tl *t, const struct tl_opts *o, unsigned salt)
{
	memset(t, 0, sizeof(*t));
	t->o = *o;
	t->rng = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32) ^ 0x9E3779B97F4A7C15ull ^
		 ((uint64_t)salt * 0xD6E8FEB86659FD93ull);
	(void)tl_rand(t);
	t->next_port = TL_PORT_FIRST + (int)(tl_rand(t) % (TL_PORT_LAST - TL_PORT_FIRST + 1));
	t->server =
		(struct sockaddr_in){.sin_family = AF_INET, .sin_port = htons((uint16_t)o->port)};
	if (inet_pton(AF_INET, o->host, &t->server.sin_addr) != 1)
		return -EINVAL;
	t->client_ip = t->server.sin_addr;
	if (o->client_ip && inet_pton(AF_INET, o->client_ip, &t->client_ip) != 1)
		return -EINVAL;
	t->epfd = epoll_create1(EPOLL_CLOEXEC);
	return t->epfd < 0 ? -errno : 0;
}

int main(int argc, char **argv)
{
	static struct tl t;
	struct tl_opts o = {.host = "127.0.0.1",
			    .port = 3478,
			    .cred = {.user = "bench", .pass = "bench"},
			    .sizes = {160, 1200},
			    .nsizes = 2,
			    .duration_s = 0,
			    .warmup_ms = 500,
			    .window = 256,
			    .rtt_rate = 5000,
			    .rtt_secs = 2,
			    .cycles = 20000,
			    .cycle_window = 64,
			    .lifetime = 600,
			    .timeout_ms = 500,
			    .core = -1,
			    .slice_ms = 250,
			    .rtt_turn_ms = 20,
			    .interval_s = 30,
			    .soak_warmup_s = 60,
			    .rate = 2000,
			    .refresh_s = 20,
			    .churners = 32,
			    .churn_rate = 100,
			    .abandon_pct = 10,
			    .drain_s = -1};
	int r;

	if (tl_parse(argc, argv, &o) < 0) {
		tl_usage(stderr);
		return 2;
	}
	/* soak: its length, the drain, and set-up and release. */
	alarm(o.mode == TL_MODE_SOAK ? (unsigned)(o.duration_s + o.drain_s + 120) : TL_MAX_RUN_S);
	if (o.mode == TL_MODE_RELAY)
		return tl_relay_main(&o);
	if ((r = tl_init(&t, &o, 0)) < 0) {
		fprintf(stderr, "turnload: %s\n", strerror(-r));
		return r == -EINVAL ? 2 : 1;
	}
	if (o.mode == TL_MODE_SOAK)
		return tl_soak_main(&t);
	if (o.mode == TL_MODE_TLS_RELAY)
		return tl_tls_relay_main(&t);
	if (o.mode == TL_MODE_TLS_ALLOC)
		return tl_tls_alloc_main(&t);
	if (o.mode == TL_MODE_TLS_HOLD)
		return tl_tls_hold_main(&t);
	if ((r = tl_sess_open_all(&t, t.o.sessions)) < 0) {
		fprintf(stderr, "turnload: %d sockets: %s (raise ulimit -n)\n", t.o.sessions,
			strerror(-r));
		return 1;
	}
	return t.o.mode == TL_MODE_ALLOC ? tl_alloc_main(&t) : tl_hold_main(&t);
}
