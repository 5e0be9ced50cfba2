/*
 * echo — the ceiling for Tern's UDP benchmarks: a bare single-threaded UDP
 * echo server. One socket; poll until readable, take a batch with recvmmsg,
 * send every datagram back to its source with sendmmsg. Nothing else.
 *
 *   echo [--port N] [--bind IP] [--batch N]
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* recvmmsg, sendmmsg */
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define ECHO_MAX_BATCH 256
#define ECHO_BUF       2048

static struct mmsghdr echo_msg[ECHO_MAX_BATCH];
static struct iovec echo_iov[ECHO_MAX_BATCH];
static struct sockaddr_in echo_src[ECHO_MAX_BATCH];
static unsigned char echo_buf[ECHO_MAX_BATCH][ECHO_BUF];

static int echo_open(const char *ip, int port)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	int buf = 4 << 20;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0 || inet_pton(AF_INET, ip, &sa.sin_addr) != 1)
		return -EINVAL;
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf));
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buf, sizeof(buf));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -errno;
	return fd;
}

static void echo_loop(int fd, unsigned batch)
{
	struct pollfd pfd = {.fd = fd, .events = POLLIN};

	for (;;) {
		if (poll(&pfd, 1, -1) < 0 && errno != EINTR)
			return;
		for (unsigned i = 0; i < batch; i++) {
			echo_iov[i].iov_len = ECHO_BUF;
			echo_msg[i].msg_hdr.msg_namelen = sizeof(echo_src[i]);
		}
		int n = recvmmsg(fd, echo_msg, batch, MSG_DONTWAIT, NULL);
		if (n <= 0)
			continue;
		for (int i = 0; i < n; i++)
			echo_iov[i].iov_len = echo_msg[i].msg_len;
		/* Best effort, like any UDP server: a refused datagram is lost. */
		for (int off = 0, r; off < n; off += r)
			if ((r = sendmmsg(fd, echo_msg + off, (unsigned)(n - off), 0)) <= 0)
				break;
	}
}

int main(int argc, char **argv)
{
	static const struct option longs[] = {
		{"port", 1, 0, 'p'}, {"bind", 1, 0, 'b'}, {"batch", 1, 0, 'n'},
		{"help", 0, 0, 'h'}, {0, 0, 0, 0},
	};
	const char *ip = "127.0.0.1";
	int port = 3478, batch = 64, ch;

	while ((ch = getopt_long(argc, argv, "p:b:n:h", longs, NULL)) != -1) {
		switch (ch) {
		case 'p':
			port = atoi(optarg);
			break;
		case 'b':
			ip = optarg;
			break;
		case 'n':
			batch = atoi(optarg);
			break;
		default:
			fprintf(ch == 'h' ? stdout : stderr,
				"usage: echo [--port N] [--bind IP] [--batch 1-%d]\n",
				ECHO_MAX_BATCH);
			return ch == 'h' ? 0 : 2;
		}
	}
	if (port < 1 || port > 65535 || batch < 1 || batch > ECHO_MAX_BATCH) {
		fprintf(stderr, "echo: bad --port or --batch\n");
		return 2;
	}
	for (int i = 0; i < ECHO_MAX_BATCH; i++) {
		echo_iov[i].iov_base = echo_buf[i];
		echo_msg[i].msg_hdr.msg_iov = &echo_iov[i];
		echo_msg[i].msg_hdr.msg_iovlen = 1;
		echo_msg[i].msg_hdr.msg_name = &echo_src[i];
	}
	int fd = echo_open(ip, port);
	if (fd < 0) {
		fprintf(stderr, "echo: %s:%d: %s\n", ip, port, strerror(-fd));
		return 1;
	}
	echo_loop(fd, (unsigned)batch);
	return 1;
}
