/* The Prometheus text exposition format (version 0.0.4) of ternd's metrics: one HELP and
 * one TYPE line per metric, then its samples. Pure formatting: the numbers come in a
 * struct metrics_view gathered by app/metrics.c. */
#ifndef TERN_APP_METRICS_FMT_H
#define TERN_APP_METRICS_FMT_H

#include <stdbool.h>
#include <stdio.h>

#include "cred/redis.h"
#include "net/stats.h"

struct metrics_view {
	const struct net_stats *net; /* summed over the workers (borrowed) */
	bool has_redis;		     /* redis-userdb configured: redis is set */
	struct cred_redis_stats redis;
	long long fd_limit; /* RLIMIT_NOFILE; < 0: unknown (not written) */
	long long fds_open; /* descriptors open; < 0: unknown (not written) */
	const char *version;
	bool ready, draining;
	/* prometheus-realm-labels: traffic by realm (borrowed); NULL: not written. */
	const struct turn_realm_traffic *realms;
	size_t nrealms;
	/* The XDP fast path's counters (borrowed); NULL: none attached (not written). */
	const struct net_xdp_stats *xdp;
};

/* Writes every metric of v to f. 0, or -EIO when f reports an error. */
int metrics_format(FILE *f, const struct metrics_view *v);
/* Writes s as a label value (inside the quotes): backslash, double quote and line feed
 * escaped as the format requires. */
void metrics_label_escape(FILE *f, const char *s);

#endif
