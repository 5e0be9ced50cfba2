/*
 * loadgen — closed-loop STUN Binding load generator for benchmarking Tern.
 *
 * Opens --sockets UDP sockets (each its own source port, connected to the
 * target) and keeps --window Binding requests outstanding on each. Every
 * answered request is replaced at once by a new one; a request unanswered
 * after --timeout-ms is counted as a timeout and re-sent with a fresh
 * transaction id, so the window never shrinks. Counting runs between the end
 * of the warm-up and the end of the run; the result is one key=value line
 * on stdout:
 *
 *   txn= secs= tps= server_cpu= txn_per_cpu_s= errors= timeouts= loadgen_cpu=
 *   core_busy=
 *
 * server_cpu is utime+stime of --pid (all threads) from /proc/PID/stat;
 * loadgen_cpu is this process's getrusage; core_busy is the non-idle share
 * of CPU --core over the same interval (from /proc/stat), to show whether
 * the server's core was saturated. Without --pid/--core those read -1.
 *
 * A transaction is a Binding success response (0x0101) whose transaction id
 * matches an outstanding request; error responses (0x0111) and any other
 * matching datagram count as errors. With --echo, any datagram whose
 * transaction id matches counts (a bare echo returns the request itself).
 * Single-threaded; Linux only (epoll, recvmmsg, sendmmsg).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* recvmmsg, sendmmsg */
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "procstat.h"

#define LG_MAX_SOCKETS	  4096
#define LG_MAX_WINDOW	  1024
#define LG_MAX_DURATION_S 60
#define LG_RECV_BATCH	  64
#define LG_RECV_BUF	  1500
#define LG_REQ_MAX	  28 /* header + FINGERPRINT */
#define LG_SCAN_MS	  20

#define STUN_MAGIC	      0x2112A442u
#define STUN_BINDING_REQ      0x0001
#define STUN_BINDING_OK	      0x0101
#define STUN_BINDING_ERR      0x0111
#define STUN_ATTR_FINGERPRINT 0x8028
#define STUN_FP_XOR	      0x5354554eu

struct lg_opts {
	const char *host;
	const char *bind_ip;
	int port;
	double duration_s;
	int warmup_ms;
	int sockets;
	int window;
	int timeout_ms;
	int pid;  /* server to sample, or 0 */
	int core; /* CPU to report busy share of, or -1 */
	bool echo;
	bool fingerprint;
};

/* One outstanding request. Bytes 0-1 of the transaction id carry the slot
 * index so a response finds its slot without a search; bytes 2-11 are
 * random. */
struct lg_slot {
	uint64_t sent_ms;
	uint8_t pkt[LG_REQ_MAX];
};

struct lg_client {
	int fd;
	struct lg_slot *slots; /* window entries */
	struct mmsghdr *smsg;  /* send batch scratch, window entries */
	struct iovec *siov;
};

struct lg_counts {
	uint64_t txn;
	uint64_t errors;
	uint64_t timeouts;
	uint64_t stray; /* no matching outstanding request (late, duplicate) */
};

struct lg_snap {
	uint64_t ms;
	struct lg_counts c;
	double server_cpu;
	double self_cpu;
	uint64_t core_busy, core_total;
};

struct lg_state {
	struct lg_opts o;
	struct lg_client *cl;
	int epfd;
	size_t req_len;
	uint64_t rng;
	struct lg_counts c;
	struct mmsghdr rmsg[LG_RECV_BATCH];
	struct iovec riov[LG_RECV_BATCH];
	uint8_t rbuf[LG_RECV_BATCH][LG_RECV_BUF];
};

static uint32_t lg_crc_table[256];

static void lg_crc_init(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;
		for (int k = 0; k < 8; k++)
			c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
		lg_crc_table[i] = c;
	}
}

static uint32_t lg_crc32(const uint8_t *p, size_t n)
{
	uint32_t c = 0xFFFFFFFFu;
	while (n--)
		c = lg_crc_table[(c ^ *p++) & 0xFF] ^ (c >> 8);
	return c ^ 0xFFFFFFFFu;
}

static uint64_t lg_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static uint64_t lg_rand(struct lg_state *s)
{
	/* xorshift64*: fast, and random enough for transaction ids. */
	s->rng ^= s->rng >> 12;
	s->rng ^= s->rng << 25;
	s->rng ^= s->rng >> 27;
	return s->rng * 0x2545F4914F6CDD1Dull;
}

static void lg_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void lg_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint16_t lg_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t lg_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Write a fresh Binding request (new transaction id) into slot idx. */
static void lg_req_build(struct lg_state *s, struct lg_slot *sl, uint16_t idx)
{
	uint8_t *p = sl->pkt;
	uint64_t r1 = lg_rand(s), r2 = lg_rand(s);

	lg_put16(p, STUN_BINDING_REQ);
	lg_put16(p + 2, s->o.fingerprint ? 8 : 0);
	lg_put32(p + 4, STUN_MAGIC);
	lg_put16(p + 8, idx);
	memcpy(p + 10, &r1, 8);
	memcpy(p + 18, &r2, 2);
	if (s->o.fingerprint) {
		lg_put16(p + 20, STUN_ATTR_FINGERPRINT);
		lg_put16(p + 22, 4);
		lg_put32(p + 24, lg_crc32(p, 20) ^ STUN_FP_XOR);
	}
}

/* Queue slot idx of client c into its send batch at position n. */
static void lg_queue(struct lg_state *s, struct lg_client *c, int idx, int n, uint64_t now)
{
	struct lg_slot *sl = &c->slots[idx];

	lg_req_build(s, sl, (uint16_t)idx);
	sl->sent_ms = now;
	c->siov[n].iov_base = sl->pkt;
	c->siov[n].iov_len = s->req_len;
	memset(&c->smsg[n].msg_hdr, 0, sizeof(c->smsg[n].msg_hdr));
	c->smsg[n].msg_hdr.msg_iov = &c->siov[n];
	c->smsg[n].msg_hdr.msg_iovlen = 1;
}

/* Send n queued requests. A request the kernel refuses (full buffer) stays
 * outstanding and is re-sent by the timeout scan. */
static void lg_flush(struct lg_client *c, int n)
{
	int off = 0;

	while (off < n) {
		int r = sendmmsg(c->fd, c->smsg + off, (unsigned)(n - off), MSG_DONTWAIT);
		if (r <= 0)
			return;
		off += r;
	}
}

/* Classify one datagram; returns the slot to refill, or -1 if it matched
 * nothing outstanding. */
static int lg_match(struct lg_state *s, struct lg_client *c, const uint8_t *p, size_t n)
{
	if (n < 20)
		return -1;
	uint16_t idx = lg_get16(p + 8);
	if (idx >= s->o.window || memcmp(p + 8, c->slots[idx].pkt + 8, 12) != 0)
		return -1;
	uint16_t type = lg_get16(p);
	if (s->o.echo)
		s->c.txn++;
	else if (type == STUN_BINDING_OK && lg_get32(p + 4) == STUN_MAGIC)
		s->c.txn++;
	else
		s->c.errors++;
	return idx;
}

static void lg_on_readable(struct lg_state *s, struct lg_client *c, uint64_t now)
{
	unsigned want = (unsigned)(s->o.window < LG_RECV_BATCH ? s->o.window : LG_RECV_BATCH);
	int got = recvmmsg(c->fd, s->rmsg, want, MSG_DONTWAIT, NULL);
	int n = 0;

	for (int i = 0; i < got; i++) {
		int idx = lg_match(s, c, s->rbuf[i], s->rmsg[i].msg_len);
		if (idx < 0) {
			s->c.stray++;
			continue;
		}
		lg_queue(s, c, idx, n++, now);
	}
	lg_flush(c, n);
}

/* Re-send every request older than the timeout with a fresh id. */
static void lg_scan_timeouts(struct lg_state *s, uint64_t now)
{
	for (int k = 0; k < s->o.sockets; k++) {
		struct lg_client *c = &s->cl[k];
		int n = 0;
		for (int i = 0; i < s->o.window; i++) {
			if (now - c->slots[i].sent_ms < (uint64_t)s->o.timeout_ms)
				continue;
			s->c.timeouts++;
			lg_queue(s, c, i, n++, now);
		}
		lg_flush(c, n);
	}
}

static int lg_client_open(struct lg_state *s, struct lg_client *c, const struct sockaddr_in *dst,
			  const struct sockaddr_in *src)
{
	int buf = 1 << 20;

	c->fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0)
		return -errno;
	setsockopt(c->fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf));
	setsockopt(c->fd, SOL_SOCKET, SO_SNDBUF, &buf, sizeof(buf));
	if (bind(c->fd, (const struct sockaddr *)src, sizeof(*src)) < 0 ||
	    connect(c->fd, (const struct sockaddr *)dst, sizeof(*dst)) < 0)
		return -errno;
	c->slots = calloc((size_t)s->o.window, sizeof(*c->slots));
	c->smsg = calloc((size_t)s->o.window, sizeof(*c->smsg));
	c->siov = calloc((size_t)s->o.window, sizeof(*c->siov));
	if (!c->slots || !c->smsg || !c->siov)
		return -ENOMEM;
	struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
	if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, c->fd, &ev) < 0)
		return -errno;
	return 0;
}

static int lg_setup(struct lg_state *s)
{
	struct sockaddr_in dst = {.sin_family = AF_INET, .sin_port = htons((uint16_t)s->o.port)};
	struct sockaddr_in src = {.sin_family = AF_INET};

	if (inet_pton(AF_INET, s->o.host, &dst.sin_addr) != 1 ||
	    inet_pton(AF_INET, s->o.bind_ip, &src.sin_addr) != 1)
		return -EINVAL;
	s->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (s->epfd < 0)
		return -errno;
	s->cl = calloc((size_t)s->o.sockets, sizeof(*s->cl));
	if (!s->cl)
		return -ENOMEM;
	for (int i = 0; i < s->o.sockets; i++) {
		int r = lg_client_open(s, &s->cl[i], &dst, &src);
		if (r < 0)
			return r;
	}
	for (int i = 0; i < LG_RECV_BATCH; i++) {
		s->riov[i].iov_base = s->rbuf[i];
		s->riov[i].iov_len = LG_RECV_BUF;
		s->rmsg[i].msg_hdr.msg_iov = &s->riov[i];
		s->rmsg[i].msg_hdr.msg_iovlen = 1;
	}
	s->req_len = s->o.fingerprint ? 28 : 20;
	return 0;
}

static void lg_snap_take(struct lg_state *s, struct lg_snap *sn, uint64_t now)
{
	sn->ms = now;
	sn->c = s->c;
	sn->server_cpu = procstat_cpu(s->o.pid);
	sn->self_cpu = procstat_self_cpu();
	procstat_core(s->o.core, &sn->core_busy, &sn->core_total);
}

static int lg_run(struct lg_state *s, struct lg_snap *a, struct lg_snap *b)
{
	struct epoll_event evs[256];
	uint64_t start = lg_now_ms(), last_scan = start;
	uint64_t t_meas = start + (uint64_t)s->o.warmup_ms;
	uint64_t t_end = t_meas + (uint64_t)(s->o.duration_s * 1000);
	bool measuring = false;

	for (int k = 0; k < s->o.sockets; k++) {
		for (int i = 0; i < s->o.window; i++)
			lg_queue(s, &s->cl[k], i, i, start);
		lg_flush(&s->cl[k], s->o.window);
	}
	for (;;) {
		int n = epoll_wait(s->epfd, evs, 256, LG_SCAN_MS);
		if (n < 0 && errno != EINTR)
			return -errno;
		uint64_t now = lg_now_ms();
		for (int i = 0; i < n; i++)
			lg_on_readable(s, evs[i].data.ptr, now);
		if (now - last_scan >= LG_SCAN_MS) {
			lg_scan_timeouts(s, now);
			last_scan = now;
		}
		if (!measuring && now >= t_meas) {
			lg_snap_take(s, a, now);
			measuring = true;
		}
		if (measuring && now >= t_end) {
			lg_snap_take(s, b, now);
			return 0;
		}
	}
}

static void lg_report(const struct lg_state *s, const struct lg_snap *a, const struct lg_snap *b)
{
	double secs = (double)(b->ms - a->ms) / 1000.0;
	uint64_t txn = b->c.txn - a->c.txn;
	double scpu = (a->server_cpu < 0 || b->server_cpu < 0) ? -1 : b->server_cpu - a->server_cpu;
	double per_cpu = scpu > 0 ? (double)txn / scpu : -1;
	uint64_t tot = b->core_total - a->core_total;
	double busy = tot ? (double)(b->core_busy - a->core_busy) / (double)tot : -1;

	printf("txn=%llu secs=%.2f tps=%.1f server_cpu=%.2f txn_per_cpu_s=%.1f errors=%llu "
	       "timeouts=%llu stray=%llu loadgen_cpu=%.2f core_busy=%.2f sockets=%d window=%d\n",
	       (unsigned long long)txn, secs, secs > 0 ? (double)txn / secs : 0, scpu, per_cpu,
	       (unsigned long long)(b->c.errors - a->c.errors),
	       (unsigned long long)(b->c.timeouts - a->c.timeouts),
	       (unsigned long long)(b->c.stray - a->c.stray), b->self_cpu - a->self_cpu, busy,
	       s->o.sockets, s->o.window);
}

static void lg_usage(FILE *f)
{
	fprintf(f,
		"usage: loadgen [options]\n"
		"  --host IP          target IPv4 address (127.0.0.1)\n"
		"  --port N           target UDP port (3478)\n"
		"  --bind IP          local address of the sockets (127.0.0.1)\n"
		"  --duration S       measured seconds, at most %d (10)\n"
		"  --warmup-ms N      unmeasured lead-in (1000)\n"
		"  --sockets N        UDP sockets, one source port each (128)\n"
		"  --window N         requests outstanding per socket (8)\n"
		"  --timeout-ms N     re-send after this long (500)\n"
		"  --pid PID          server process to sample CPU time of\n"
		"  --core N           CPU whose busy share to report\n"
		"  --echo             count any datagram with a matching id\n"
		"  --fingerprint      add FINGERPRINT to requests\n",
		LG_MAX_DURATION_S);
}

static int lg_parse(int argc, char **argv, struct lg_opts *o)
{
	static const struct option longs[] = {
		{"host", 1, 0, 'H'},	  {"port", 1, 0, 'p'},
		{"bind", 1, 0, 'b'},	  {"duration", 1, 0, 'd'},
		{"warmup-ms", 1, 0, 'u'}, {"sockets", 1, 0, 's'},
		{"window", 1, 0, 'w'},	  {"timeout-ms", 1, 0, 't'},
		{"pid", 1, 0, 'P'},	  {"core", 1, 0, 'c'},
		{"echo", 0, 0, 'e'},	  {"fingerprint", 0, 0, 'f'},
		{"help", 0, 0, 'h'},	  {0, 0, 0, 0},
	};
	int ch;

	while ((ch = getopt_long(argc, argv, "H:p:b:d:u:s:w:t:P:c:efh", longs, NULL)) != -1) {
		switch (ch) {
		case 'H':
			o->host = optarg;
			break;
		case 'p':
			o->port = atoi(optarg);
			break;
		case 'b':
			o->bind_ip = optarg;
			break;
		case 'd':
			o->duration_s = atof(optarg);
			break;
		case 'u':
			o->warmup_ms = atoi(optarg);
			break;
		case 's':
			o->sockets = atoi(optarg);
			break;
		case 'w':
			o->window = atoi(optarg);
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
		case 'e':
			o->echo = true;
			break;
		case 'f':
			o->fingerprint = true;
			break;
		case 'h':
			lg_usage(stdout);
			exit(0);
		default:
			return -EINVAL;
		}
	}
	if (o->port < 1 || o->port > 65535 || o->duration_s <= 0 ||
	    o->duration_s > LG_MAX_DURATION_S || o->warmup_ms < 0 || o->warmup_ms > 10000 ||
	    o->sockets < 1 || o->sockets > LG_MAX_SOCKETS || o->window < 1 ||
	    o->window > LG_MAX_WINDOW || o->timeout_ms < 1)
		return -EINVAL;
	return 0;
}

int main(int argc, char **argv)
{
	static struct lg_state s; /* large receive buffers: not on the stack */
	struct lg_snap a, b;
	int r;

	s.o = (struct lg_opts){.host = "127.0.0.1",
			       .bind_ip = "127.0.0.1",
			       .port = 3478,
			       .duration_s = 10,
			       .warmup_ms = 1000,
			       .sockets = 128,
			       .window = 8,
			       .timeout_ms = 500,
			       .core = -1};
	if (lg_parse(argc, argv, &s.o) < 0) {
		lg_usage(stderr);
		return 2;
	}
	lg_crc_init();
	s.rng = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32) ^ 0x9E3779B97F4A7C15ull;
	if ((r = lg_setup(&s)) < 0) {
		fprintf(stderr, "loadgen: setup: %s\n", strerror(-r));
		return 1;
	}
	if ((r = lg_run(&s, &a, &b)) < 0) {
		fprintf(stderr, "loadgen: %s\n", strerror(-r));
		return 1;
	}
	if (s.o.pid > 0 && b.server_cpu < 0)
		fprintf(stderr, "loadgen: could not read /proc/%d/stat\n", s.o.pid);
	lg_report(&s, &a, &b);
	return 0;
}
