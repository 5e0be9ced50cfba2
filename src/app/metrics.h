/* Metrics and health over HTTP (DESIGN.md §7), libevent's evhttp on a thread and event
 * base of its own:
 *   GET /metrics  the Prometheus text format (app/metrics_fmt.h), from a snapshot the
 *                 workers take on their own threads (net/stats.h);
 *   GET /healthz  200 "ok" while the process serves;
 *   GET /readyz   200 "ready" once the listeners are open, not draining and, with Redis,
 *                 every worker's Redis connection up; else 503 with one line: "starting",
 *                 "draining" or "credential store unreachable";
 * anything else 404, any other method 405. Bounded: METRICS_MAX_CONNS connections (and
 * METRICS_MAX_PER_IP per source address; those over are closed at once), read and write
 * timeouts, small header and body limits.
 * metrics_start after net_server_start, metrics_stop before net_server_stop; main thread. */
#ifndef TERN_APP_METRICS_H
#define TERN_APP_METRICS_H

#include <stdint.h>

#include "app/app.h"

#define METRICS_MAX_CONNS   32
#define METRICS_MAX_PER_IP  4
#define METRICS_TIMEOUT_S   5
#define METRICS_MAX_HEADERS 8192

struct cred_redis;
struct metrics;

struct metrics_opts {
	const char *address; /* numeric IP; NULL = every address (IPv6 and IPv4) */
	uint16_t port;	     /* 0 = any free port */
	struct net_server *srv;
	struct app_state *st;
	struct cred_redis *redis; /* NULL without Redis */
	bool realm_labels;	  /* prometheus-realm-labels: traffic by realm too */
};

/* Binds and starts the thread. Everything in o is borrowed until metrics_stop. 0 and *out,
 * or -errno with a log line naming the address. */
int metrics_start(const struct metrics_opts *o, struct metrics **out);
/* The bound port. */
uint16_t metrics_port(const struct metrics *m);
/* Stops the thread, closes every connection, frees m (NULL is fine). */
void metrics_stop(struct metrics *m);

#endif
