/* ternctl health: one HTTP GET of ternd's /healthz (the metrics listener, `prometheus`),
 * for a container's HEALTHCHECK. Exit 0 when the answer is 200, 1 otherwise (no answer,
 * another status, timeout), as a HEALTHCHECK command must. No shell, no curl needed. */
#include "config.h"

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"

#define CLI_HEALTH_PORT	     "9641"
#define CLI_HEALTH_TIMEOUT_S 2

struct cli_health_url {
	char host[256], port[8], path[256];
};

/* Milliseconds left until deadline (CLOCK_MONOTONIC ms), at least 0. */
static int cli_health_left(long long deadline)
{
	struct timespec ts;
	long long now;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	return now >= deadline ? 0 : (int)(deadline - now);
}

/* "http://HOST[:PORT][/PATH]" (HOST may be "[v6]") into u. 0 or -EINVAL. */
static int cli_health_parse(const char *url, struct cli_health_url *u)
{
	const char *h, *end, *colon, *slash;
	size_t hl;

	if (strncmp(url, "http://", 7) != 0)
		return -EINVAL;
	h = url + 7;
	slash = strchr(h, '/');
	end = slash ? slash : h + strlen(h);
	if (*h == '[') {
		const char *rb = memchr(h, ']', (size_t)(end - h));
		if (rb == NULL)
			return -EINVAL;
		colon = rb[1] == ':' ? rb + 1 : NULL;
		h++;
		hl = (size_t)(rb - h);
	} else {
		colon = memchr(h, ':', (size_t)(end - h));
		hl = (size_t)((colon ? colon : end) - h);
	}
	if (hl == 0 || hl >= sizeof(u->host) || strlen(slash ? slash : "/") >= sizeof(u->path))
		return -EINVAL;
	if (colon && ((size_t)(end - colon - 1) >= sizeof(u->port) || end == colon + 1))
		return -EINVAL;
	memcpy(u->host, h, hl);
	u->host[hl] = '\0';
	snprintf(u->port, sizeof(u->port), "%.*s", colon ? (int)(end - colon - 1) : 4,
		 colon ? colon + 1 : "80");
	snprintf(u->path, sizeof(u->path), "%s", slash ? slash : "/");
	return 0;
}

/* The default URL: ternd's metrics listener as the environment configures it
 * (TERN_PROMETHEUS_ADDRESS unless a wildcard, TERN_PROMETHEUS_PORT). */
static void cli_health_default(struct cli_health_url *u)
{
	const char *addr = getenv("TERN_PROMETHEUS_ADDRESS");
	const char *port = getenv("TERN_PROMETHEUS_PORT");

	if (addr == NULL || *addr == '\0' || strcmp(addr, "0.0.0.0") == 0 ||
	    strcmp(addr, "::") == 0)
		addr = "127.0.0.1";
	snprintf(u->host, sizeof(u->host), "%s", addr);
	snprintf(u->port, sizeof(u->port), "%s", port && *port ? port : CLI_HEALTH_PORT);
	snprintf(u->path, sizeof(u->path), "/healthz");
}

/* A TCP connection to u within the deadline: the fd, or -errno. */
static int cli_health_connect(const struct cli_health_url *u, long long deadline)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV};
	struct addrinfo *ai = NULL;
	struct pollfd pfd = {.events = POLLOUT};
	int fd, err = 0;
	socklen_t len = sizeof(err);

	if (getaddrinfo(u->host, u->port, &hints, &ai) != 0 || ai == NULL)
		return -EHOSTUNREACH;
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		err = errno;
		freeaddrinfo(ai);
		return -err;
	}
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0 && errno != EINPROGRESS)
		err = errno;
	freeaddrinfo(ai);
	pfd.fd = fd;
	if (err == 0 && poll(&pfd, 1, cli_health_left(deadline)) != 1)
		err = ETIMEDOUT;
	if (err == 0 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
		err = errno;
	if (err) {
		close(fd);
		return -err;
	}
	return fd;
}

/* Sends the request and reads the status line. The HTTP status, or -errno. */
static int cli_health_status(int fd, const struct cli_health_url *u, long long deadline)
{
	char buf[512];
	struct pollfd pfd = {.fd = fd, .events = POLLIN};
	size_t got = 0;
	ssize_t n;
	int len, code;

	len = snprintf(buf, sizeof(buf), "GET %s HTTP/1.0\r\nHost: %s\r\nConnection: close\r\n\r\n",
		       u->path, u->host);
	if (len < 0 || (size_t)len >= sizeof(buf) ||
	    send(fd, buf, (size_t)len, MSG_NOSIGNAL) != len)
		return -EIO;
	while (got < sizeof(buf) - 1 && !memchr(buf, '\n', got)) {
		if (poll(&pfd, 1, cli_health_left(deadline)) != 1)
			return -ETIMEDOUT;
		n = recv(fd, buf + got, sizeof(buf) - 1 - got, 0);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	buf[got] = '\0';
	if (sscanf(buf, "HTTP/1.%*1[01] %3d", &code) != 1)
		return -EPROTO;
	return code;
}

static int health_run(struct cli *c)
{
	struct cli_health_url u;
	struct timespec ts;
	long long deadline, t = c->o->timeout >= 0 ? c->o->timeout : CLI_HEALTH_TIMEOUT_S;
	int fd, code;

	if (c->o->n_urls > 0 && cli_health_parse(c->o->urls[0], &u) != 0)
		return cli_fail(c, CLI_USAGE, "bad URL (want http://HOST[:PORT][/PATH]): %s",
				c->o->urls[0]);
	if (c->o->n_urls == 0)
		cli_health_default(&u);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	deadline = (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 + t * 1000;
	fd = cli_health_connect(&u, deadline);
	if (fd < 0)
		return cli_fail(c, CLI_REFUSED, "unhealthy: http://%s:%s%s: %s", u.host, u.port,
				u.path, strerror(-fd));
	code = cli_health_status(fd, &u, deadline);
	close(fd);
	if (code < 0)
		return cli_fail(c, CLI_REFUSED, "unhealthy: http://%s:%s%s: %s", u.host, u.port,
				u.path, strerror(-code));
	if (code != 200)
		return cli_fail(c, CLI_REFUSED, "unhealthy: http://%s:%s%s answered %d", u.host,
				u.port, u.path, code);
	printf("healthy\n");
	return CLI_OK;
}

static const struct cli_verb health_verbs[] = {
	{NULL, "[--url http://HOST:PORT/PATH] [--timeout SECONDS]", "UTh", false, 0, NULL,
	 health_run,
	 "GETs ternd's /healthz (the metrics listener: prometheus = true) and exits 0 on\n"
	 "200, 1 on anything else or no answer in time: a container's HEALTHCHECK.\n\n"
	 "      --url=URL          http://HOST[:PORT][/PATH] (default\n"
	 "                         http://127.0.0.1:$TERN_PROMETHEUS_PORT/healthz, 9641\n"
	 "                         when unset; $TERN_PROMETHEUS_ADDRESS unless a wildcard)\n"
	 "      --timeout=SECONDS  give up then (default 2)\n"},
};

const struct cli_group cli_health_group = {"health", "is ternd healthy (HTTP /healthz)",
					   health_verbs, 1};
