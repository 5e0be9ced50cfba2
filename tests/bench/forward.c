/*
 * forward — the ceiling for Tern's relay benchmarks: a bare single-threaded
 * ChannelData forwarder that only moves datagrams. No STUN, no auth, no
 * permissions, no timers.
 *
 *   forward --port P --relay-port A --relays N [--bind IP] [--batch N]
 *           [--max-seconds S]
 *
 * One client socket on IP:P takes ChannelData; channel 0x4000+i stands for
 * allocation i. Each allocation has its own relay socket on IP:A+i, as a
 * TURN server has one relayed transport address per allocation (one shared
 * socket would be cheaper but would not be a TURN server's work: the peer
 * must see a distinct address per allocation).
 *
 *   client -> P:    ChannelData(i): header stripped, payload sent from relay
 *                   socket i to peer i
 *   peer -> A+i:    payload: a 4-byte ChannelData header written into
 *                   headroom (no copy), sent from P to client i
 *
 * Client i and peer i are the sources of the latest datagrams seen for i
 * (what the 5-tuple and ChannelBind give a TURN server; latest rather than
 * first, so one forwarder serves load generator runs one after another);
 * until both are known, datagrams for i are dropped. Batches like ternd's UDP worker: recvmmsg,
 * and sendmmsg over runs of datagrams leaving the same socket. Runs until
 * killed or --max-seconds (default 900).
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
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define FW_MAX_BATCH  256
#define FW_MAX_RELAYS 20000
#define FW_BUF	      2048
#define FW_HEADROOM   4
#define FW_CLIENT_TAG UINT32_MAX

struct fw_end {
	struct sockaddr_in addr;
	bool known;
};

struct fw {
	int cfd;
	int *rfd;
	int nrelay;
	unsigned batch;
	struct fw_end *client, *peer;
	struct mmsghdr in[FW_MAX_BATCH], out[FW_MAX_BATCH];
	struct iovec iin[FW_MAX_BATCH], iout[FW_MAX_BATCH];
	struct sockaddr_in src[FW_MAX_BATCH];
	int ofd[FW_MAX_BATCH]; /* socket each out entry leaves from */
	uint8_t buf[FW_MAX_BATCH][FW_BUF];
};

static int fw_open(const char *ip, int port, int bufsz)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0 || inet_pton(AF_INET, ip, &sa.sin_addr) != 1)
		return -EINVAL;
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bufsz, sizeof(bufsz));
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &bufsz, sizeof(bufsz));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return -errno;
	}
	return fd;
}

/* recvmmsg into buf + off; returns the count (<= 0: nothing). */
static int fw_recv(struct fw *f, int fd, size_t off)
{
	for (unsigned i = 0; i < f->batch; i++) {
		f->iin[i] = (struct iovec){.iov_base = f->buf[i] + off, .iov_len = FW_BUF - off};
		f->in[i].msg_hdr = (struct msghdr){.msg_name = &f->src[i],
						   .msg_namelen = sizeof(f->src[i]),
						   .msg_iov = &f->iin[i],
						   .msg_iovlen = 1};
	}
	return recvmmsg(fd, f->in, f->batch, MSG_DONTWAIT, NULL);
}

static void fw_queue(struct fw *f, int n, int fd, struct sockaddr_in *dst, void *p, size_t len)
{
	f->ofd[n] = fd;
	f->iout[n] = (struct iovec){.iov_base = p, .iov_len = len};
	f->out[n].msg_hdr = (struct msghdr){.msg_name = dst,
					    .msg_namelen = sizeof(*dst),
					    .msg_iov = &f->iout[n],
					    .msg_iovlen = 1};
}

/* Sends out[0..n) with one sendmmsg per run of the same socket. Best
 * effort, like any UDP server: a refused datagram is lost. */
static void fw_flush(struct fw *f, int n)
{
	int i = 0;

	while (i < n) {
		int j = i + 1;
		while (j < n && f->ofd[j] == f->ofd[i])
			j++;
		(void)sendmmsg(f->ofd[i], f->out + i, (unsigned)(j - i), MSG_DONTWAIT);
		i = j;
	}
}

static void fw_from_client(struct fw *f)
{
	int got = fw_recv(f, f->cfd, 0), n = 0;

	for (int k = 0; k < got; k++) {
		const uint8_t *p = f->buf[k];
		size_t len = f->in[k].msg_len;
		if (len < 4 || (p[0] & 0xC0) != 0x40)
			continue;
		uint32_t i = (uint32_t)((p[0] << 8 | p[1]) - 0x4000);
		size_t dlen = (size_t)(p[2] << 8 | p[3]);
		if (i >= (uint32_t)f->nrelay || dlen + 4 > len)
			continue;
		f->client[i].addr = f->src[k];
		f->client[i].known = true;
		if (f->peer[i].known)
			fw_queue(f, n++, f->rfd[i], &f->peer[i].addr, f->buf[k] + 4, dlen);
	}
	fw_flush(f, n);
}

/* Drains relay socket i (bounded, for fairness among sockets). */
static void fw_from_peer(struct fw *f, uint32_t i)
{
	for (int round = 0; round < 4; round++) {
		int got = fw_recv(f, f->rfd[i], FW_HEADROOM), n = 0;
		for (int k = 0; k < got; k++) {
			uint8_t *p = f->buf[k];
			size_t len = f->in[k].msg_len;
			f->peer[i].addr = f->src[k];
			f->peer[i].known = true;
			if (!f->client[i].known || len > 0xFFFF)
				continue;
			p[0] = (uint8_t)((0x4000 + i) >> 8);
			p[1] = (uint8_t)(0x4000 + i);
			p[2] = (uint8_t)(len >> 8);
			p[3] = (uint8_t)len;
			fw_queue(f, n++, f->cfd, &f->client[i].addr, p, len + FW_HEADROOM);
		}
		fw_flush(f, n);
		if (got < (int)f->batch)
			return;
	}
}

static int fw_setup(struct fw *f, int epfd, const char *ip, int port, int relay_port)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.u32 = FW_CLIENT_TAG};

	f->rfd = calloc((size_t)f->nrelay, sizeof(*f->rfd));
	f->client = calloc((size_t)f->nrelay, sizeof(*f->client));
	f->peer = calloc((size_t)f->nrelay, sizeof(*f->peer));
	if (!f->rfd || !f->client || !f->peer)
		return -ENOMEM;
	if ((f->cfd = fw_open(ip, port, 4 << 20)) < 0 ||
	    epoll_ctl(epfd, EPOLL_CTL_ADD, f->cfd, &ev) < 0)
		return f->cfd < 0 ? f->cfd : -errno;
	for (int i = 0; i < f->nrelay; i++) {
		ev.data.u32 = (uint32_t)i;
		if ((f->rfd[i] = fw_open(ip, relay_port + i, 1 << 20)) < 0)
			return f->rfd[i];
		if (epoll_ctl(epfd, EPOLL_CTL_ADD, f->rfd[i], &ev) < 0)
			return -errno;
	}
	return 0;
}

static int fw_run(struct fw *f, int epfd, int max_s)
{
	struct epoll_event evs[256];
	time_t end = time(NULL) + max_s;

	while (time(NULL) < end) {
		int n = epoll_wait(epfd, evs, 256, 1000);
		if (n < 0 && errno != EINTR)
			return -errno;
		for (int k = 0; k < n; k++) {
			if (evs[k].data.u32 == FW_CLIENT_TAG)
				fw_from_client(f);
			else
				fw_from_peer(f, evs[k].data.u32);
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option longs[] = {
		{"port", 1, 0, 'p'},   {"bind", 1, 0, 'b'},  {"relay-port", 1, 0, 'r'},
		{"relays", 1, 0, 'n'}, {"batch", 1, 0, 'B'}, {"max-seconds", 1, 0, 'm'},
		{"help", 0, 0, 'h'},   {0, 0, 0, 0},
	};
	static struct fw f;
	const char *ip = "127.0.0.1";
	int port = 0, relay_port = 0, max_s = 900, ch, epfd, r;

	f.nrelay = 1;
	f.batch = 128;
	while ((ch = getopt_long(argc, argv, "h", longs, NULL)) != -1) {
		switch (ch) {
		case 'p':
			port = atoi(optarg);
			break;
		case 'b':
			ip = optarg;
			break;
		case 'r':
			relay_port = atoi(optarg);
			break;
		case 'n':
			f.nrelay = atoi(optarg);
			break;
		case 'B':
			f.batch = (unsigned)atoi(optarg);
			break;
		case 'm':
			max_s = atoi(optarg);
			break;
		default:
			fprintf(ch == 'h' ? stdout : stderr,
				"usage: forward --port P --relay-port A --relays N [--bind IP] "
				"[--batch N] [--max-seconds S]\n");
			return ch == 'h' ? 0 : 2;
		}
	}
	if (port < 1 || port > 65535 || relay_port < 1 || f.nrelay < 1 ||
	    f.nrelay > FW_MAX_RELAYS || relay_port + f.nrelay > 65536 || f.batch < 1 ||
	    f.batch > FW_MAX_BATCH || max_s < 1) {
		fprintf(stderr, "forward: bad options (--help)\n");
		return 2;
	}
	if ((epfd = epoll_create1(EPOLL_CLOEXEC)) < 0 ||
	    (r = fw_setup(&f, epfd, ip, port, relay_port)) < 0) {
		fprintf(stderr, "forward: setup: %s\n", strerror(epfd < 0 ? errno : -r));
		return 1;
	}
	r = fw_run(&f, epfd, max_s);
	return r < 0 ? 1 : 0;
}
