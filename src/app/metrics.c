/* Metrics and health over HTTP (app/metrics.h). Everything below runs on the metrics
 * thread except metrics_start and metrics_stop (main thread). The workers are reached
 * only through net_stats_collect (their notify queues). */
#include "config.h" /* first: _GNU_SOURCE for pthread_setname_np(3) */

#include "app/metrics.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "app/metrics_fmt.h"
#include "base/log.h"
#include "net/stats.h"

/* A connection counted against the limits. */
struct metrics_conn {
	struct evhttp_connection *evcon; /* NULL: free slot */
	char ip[64];
};

struct metrics {
	struct metrics_opts o;
	struct event_base *base;
	struct evhttp *http;
	int stop_fd; /* eventfd: metrics_stop writes it */
	struct event *stop_ev;
	pthread_t thread;
	bool started;
	uint16_t port;
	struct metrics_conn conns[METRICS_MAX_CONNS];
	/* tern_fds_open: counted at most once per METRICS_FDS_MS (a directory read as long
	 * as the descriptors are many). */
	long long fds_open;
	uint64_t fds_at_ms;
	bool fds_counted;
};

#define METRICS_FDS_MS 1000

/* ---- connection limits ---- */

struct metrics_new_conn {
	struct metrics *m;
	struct bufferevent *bev;
	struct event *ev;
};

static void metrics_conn_closed(struct evhttp_connection *evcon, void *arg)
{
	struct metrics *m = arg;

	for (size_t i = 0; i < METRICS_MAX_CONNS; i++)
		if (m->conns[i].evcon == evcon)
			m->conns[i].evcon = NULL;
}

/* A connection evhttp has just set up (see metrics_bevcb): counted, or closed when over a
 * limit. */
static void metrics_conn_admit(struct metrics *m, struct evhttp_connection *evcon)
{
	char *ip = NULL;
	uint16_t port = 0;
	size_t same = 0, freeslot = METRICS_MAX_CONNS;

	evhttp_connection_get_peer(evcon, &ip, &port);
	for (size_t i = 0; i < METRICS_MAX_CONNS; i++) {
		if (m->conns[i].evcon == NULL && freeslot == METRICS_MAX_CONNS)
			freeslot = i;
		else if (m->conns[i].evcon && ip && strcmp(m->conns[i].ip, ip) == 0)
			same++;
	}
	if (freeslot == METRICS_MAX_CONNS || same >= METRICS_MAX_PER_IP) {
		evhttp_connection_free(evcon);
		return;
	}
	m->conns[freeslot].evcon = evcon;
	snprintf(m->conns[freeslot].ip, sizeof(m->conns[freeslot].ip), "%s", ip ? ip : "");
	evhttp_connection_set_closecb(evcon, metrics_conn_closed, m);
}

/* Runs right after the accept callback that made nc->bev (same loop iteration, before
 * any I/O on it): evhttp's connection is the bufferevent's callback argument by then.
 * Had evhttp given the connection up meanwhile, bufferevent_free has cleared the
 * callbacks, and our reference kept the bufferevent itself. */
static void metrics_conn_fixup(evutil_socket_t fd, short what, void *arg)
{
	struct metrics_new_conn *nc = arg;
	void *evcon = NULL;

	(void)fd;
	(void)what;
	bufferevent_getcb(nc->bev, NULL, NULL, NULL, &evcon);
	if (evcon)
		metrics_conn_admit(nc->m, evcon);
	bufferevent_decref(nc->bev);
	event_free(nc->ev);
	free(nc);
}

/* evhttp's hook for a new connection: the bufferevent it will use. libevent 2.1 has no
 * hook with the connection itself, so an event made active here (holding a reference on
 * the bufferevent) finds it once evhttp has finished setting it up. */
static struct bufferevent *metrics_bevcb(struct event_base *base, void *arg)
{
	struct metrics_new_conn *nc = calloc(1, sizeof(*nc));
	struct bufferevent *bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);

	if (nc == NULL || bev == NULL)
		goto out;
	nc->m = arg;
	nc->bev = bev;
	nc->ev = event_new(base, -1, 0, metrics_conn_fixup, nc);
	if (nc->ev == NULL)
		goto out;
	bufferevent_incref(bev);
	event_active(nc->ev, 0, 0);
	return bev;
out:
	free(nc);
	return bev; /* uncounted, still bounded by the timeouts */
}

/* ---- requests ---- */

static void metrics_reply(struct evhttp_request *req, int code, const char *reason,
			  const char *type, const char *body, size_t len)
{
	struct evbuffer *b = evbuffer_new();

	evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type", type);
	evhttp_add_header(evhttp_request_get_output_headers(req), "Cache-Control", "no-store");
	if (b && len)
		evbuffer_add(b, body, len);
	evhttp_send_reply(req, code, reason, b);
	if (b)
		evbuffer_free(b);
}

static void metrics_text(struct evhttp_request *req, int code, const char *reason, const char *line)
{
	metrics_reply(req, code, reason, "text/plain; charset=utf-8", line, strlen(line));
}

/* Why the server is not ready, or NULL when it is. */
static const char *metrics_not_ready(const struct metrics *m)
{
	struct cred_redis_stats rs;

	if (!atomic_load(&m->o.st->ready))
		return "starting";
	if (atomic_load(&m->o.st->draining))
		return "draining";
	if (m->o.redis) {
		cred_redis_stats_read(m->o.redis, &rs);
		if (rs.workers == 0 || rs.up < rs.workers)
			return "credential store unreachable";
	}
	return NULL;
}

/* Descriptors open (the directory's own excluded), or -1; at most METRICS_FDS_MS old. */
static long long metrics_fds_open(struct metrics *m)
{
	struct timespec ts;
	uint64_t now;
	DIR *d;
	long long n = 0;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
	if (m->fds_counted && now - m->fds_at_ms < METRICS_FDS_MS)
		return m->fds_open;
	d = opendir("/proc/self/fd");
	if (d == NULL)
		return -1;
	while (readdir(d))
		n++;
	closedir(d);
	m->fds_open = n - 3; /* ".", ".." and the directory's descriptor */
	m->fds_at_ms = now;
	m->fds_counted = true;
	return m->fds_open;
}

static void metrics_get_metrics(struct metrics *m, struct evhttp_request *req)
{
	struct net_stats ns;
	struct net_xdp_stats xs;
	struct turn_realm_traffic realms[TURN_REALM_SLOTS];
	struct metrics_view v = {.net = &ns, .version = PACKAGE_VERSION, .fd_limit = -1};
	struct rlimit rl;
	char *text = NULL;
	size_t len = 0;
	FILE *f;
	int rc;

	if (net_stats_collect(m->o.srv, &ns) == -ENOMEM) {
		metrics_text(req, 500, "Internal Server Error", "out of memory\n");
		return;
	}
	v.has_redis = m->o.redis != NULL;
	if (m->o.redis)
		cred_redis_stats_read(m->o.redis, &v.redis);
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0)
		v.fd_limit = rl.rlim_cur == RLIM_INFINITY ? -1 : (long long)rl.rlim_cur;
	v.fds_open = metrics_fds_open(m);
	if (m->o.realm_labels &&
	    net_stats_realms(m->o.srv, realms, TURN_REALM_SLOTS, &v.nrealms) != -ENOMEM)
		v.realms = realms;
	if (net_stats_xdp(m->o.srv, &xs) == 0)
		v.xdp = &xs;
	v.draining = atomic_load(&m->o.st->draining);
	v.ready = metrics_not_ready(m) == NULL;
	f = open_memstream(&text, &len);
	if (f == NULL) {
		metrics_text(req, 500, "Internal Server Error", "out of memory\n");
		return;
	}
	rc = metrics_format(f, &v);
	if (fclose(f) != 0 || rc < 0)
		metrics_text(req, 500, "Internal Server Error", "out of memory\n");
	else
		metrics_reply(req, 200, "OK", "text/plain; version=0.0.4; charset=utf-8", text,
			      len);
	free(text);
}

static void metrics_on_request(struct evhttp_request *req, void *arg)
{
	struct metrics *m = arg;
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	const char *path = uri ? evhttp_uri_get_path(uri) : NULL;
	const char *why;

	if (evhttp_request_get_command(req) != EVHTTP_REQ_GET) {
		evhttp_add_header(evhttp_request_get_output_headers(req), "Allow", "GET");
		metrics_text(req, 405, "Method Not Allowed", "only GET\n");
	} else if (path && strcmp(path, "/metrics") == 0) {
		metrics_get_metrics(m, req);
	} else if (path && strcmp(path, "/healthz") == 0) {
		metrics_text(req, 200, "OK", "ok\n");
	} else if (path && strcmp(path, "/readyz") == 0) {
		why = metrics_not_ready(m);
		if (why == NULL) {
			metrics_text(req, 200, "OK", "ready\n");
		} else {
			char line[64];

			snprintf(line, sizeof(line), "%s\n", why);
			metrics_text(req, 503, "Service Unavailable", line);
		}
	} else {
		metrics_text(req, 404, "Not Found", "not found\n");
	}
}

/* ---- lifecycle ---- */

/* A listening TCP socket on address (NULL: "::" taking IPv4 too, or 0.0.0.0 without
 * IPv6) and port. The fd, or -errno. */
static int metrics_listen(const char *address, uint16_t port)
{
	struct sockaddr_storage ss = {0};
	struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
	int one = 1, zero = 0, fd, err;

	s6->sin6_family = AF_INET6;
	s6->sin6_port = htons(port);
	if (address && inet_pton(AF_INET, address, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
	} else if (address && inet_pton(AF_INET6, address, &s6->sin6_addr) != 1) {
		return -EINVAL;
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 && address == NULL && errno == EAFNOSUPPORT) {
		ss.ss_family = AF_INET; /* no IPv6: 0.0.0.0 */
		s4->sin_port = htons(port);
		s4->sin_addr.s_addr = htonl(INADDR_ANY);
		fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	}
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ss.ss_family == AF_INET6 && address == NULL)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	if (bind(fd, (struct sockaddr *)&ss, ss.ss_family == AF_INET6 ? sizeof(*s6) : sizeof(*s4)) <
		    0 ||
	    listen(fd, 64) < 0) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

static uint16_t metrics_bound_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
		return 0;
	return ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
					      : ((struct sockaddr_in *)&ss)->sin_port);
}

static void metrics_on_stop(evutil_socket_t fd, short what, void *arg)
{
	struct metrics *m = arg;
	uint64_t v;

	(void)what;
	if (read(fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		log_debug("metrics", "stop read err=\"%s\"", strerror(errno));
	event_base_loopbreak(m->base);
}

static void *metrics_main(void *arg)
{
	struct metrics *m = arg;

	pthread_setname_np(pthread_self(), "tern-metrics");
	event_base_dispatch(m->base);
	return NULL;
}

static void metrics_free(struct metrics *m)
{
	if (m->http)
		evhttp_free(m->http); /* closes the listener and every connection */
	if (m->stop_ev)
		event_free(m->stop_ev);
	if (m->stop_fd >= 0)
		close(m->stop_fd);
	if (m->base)
		event_base_free(m->base);
	free(m);
}

/* The event base, the stop event and evhttp with its limits, on the listening fd (taken).
 * 0 or -errno. */
static int metrics_setup(struct metrics *m, int fd)
{
	m->base = event_base_new();
	m->stop_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (m->base == NULL || m->stop_fd < 0) {
		close(fd);
		return -ENOMEM;
	}
	m->stop_ev = event_new(m->base, m->stop_fd, EV_READ | EV_PERSIST, metrics_on_stop, m);
	m->http = evhttp_new(m->base);
	if (m->stop_ev == NULL || m->http == NULL || event_add(m->stop_ev, NULL) < 0) {
		close(fd);
		return -ENOMEM;
	}
	/* Every method reaches metrics_on_request, which answers anything but GET 405. */
	evhttp_set_allowed_methods(m->http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD | EVHTTP_REQ_POST |
						    EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE |
						    EVHTTP_REQ_OPTIONS | EVHTTP_REQ_PATCH);
	evhttp_set_timeout(m->http, METRICS_TIMEOUT_S);
	evhttp_set_max_headers_size(m->http, METRICS_MAX_HEADERS);
	evhttp_set_max_body_size(m->http, 0);
	evhttp_set_bevcb(m->http, metrics_bevcb, m);
	evhttp_set_gencb(m->http, metrics_on_request, m);
	if (evhttp_accept_socket_with_handle(m->http, fd) == NULL) {
		close(fd);
		return -ENOMEM;
	}
	return 0;
}

int metrics_start(const struct metrics_opts *o, struct metrics **out)
{
	struct metrics *m = calloc(1, sizeof(*m));
	const char *where = o->address ? o->address : "*";
	int fd, rc;

	if (m == NULL)
		return -ENOMEM;
	m->o = *o;
	m->stop_fd = -1;
	fd = metrics_listen(o->address, o->port);
	if (fd < 0) {
		log_err("metrics", "cannot listen addr=%s port=%u err=\"%s\"", where, o->port,
			strerror(-fd));
		free(m);
		return fd;
	}
	m->port = metrics_bound_port(fd);
	rc = metrics_setup(m, fd);
	if (rc == 0)
		rc = -pthread_create(&m->thread, NULL, metrics_main, m);
	if (rc < 0) {
		log_err("metrics", "cannot start err=\"%s\"", strerror(-rc));
		metrics_free(m);
		return rc;
	}
	m->started = true;
	log_info("metrics", "listening addr=%s port=%u paths=/metrics,/healthz,/readyz", where,
		 m->port);
	*out = m;
	return 0;
}

uint16_t metrics_port(const struct metrics *m)
{
	return m->port;
}

void metrics_stop(struct metrics *m)
{
	uint64_t one = 1;

	if (m == NULL)
		return;
	if (m->started) {
		if (write(m->stop_fd, &one, sizeof(one)) < 0)
			log_warn("metrics", "stop write err=\"%s\"", strerror(errno));
		pthread_join(m->thread, NULL);
	}
	metrics_free(m);
}
