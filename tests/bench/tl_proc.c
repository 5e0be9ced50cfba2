/*
 * tl_proc — clocks, the random source, and snapshots of what turnload reads about
 * the server (procstat.c: CPU time, resident memory, how busy its core was).
 */
#include "turnload.h"

#include "procstat.h"

#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

uint64_t tl_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t tl_rand(struct tl *t)
{
	/* xorshift64*: fast, and random enough for transaction ids. */
	t->rng ^= t->rng >> 12;
	t->rng ^= t->rng << 25;
	t->rng ^= t->rng >> 27;
	return t->rng * 0x2545F4914F6CDD1Dull;
}

void tl_snap_take(const struct tl *t, struct tl_snap *s)
{
	s->ns = tl_now_ns();
	s->server_cpu = procstat_cpu(t->o.pid);
	s->self_cpu = procstat_self_cpu();
	procstat_core(t->o.core, &s->core_busy, &s->core_total);
}

void tl_snap_diff(const struct tl_snap *a, const struct tl_snap *b, double *secs,
		  double *server_cpu, double *self_cpu, double *busy)
{
	uint64_t tot = b->core_total - a->core_total;

	*secs = (double)(b->ns - a->ns) / 1e9;
	*server_cpu = (a->server_cpu < 0 || b->server_cpu < 0) ? -1 : b->server_cpu - a->server_cpu;
	*self_cpu = b->self_cpu - a->self_cpu;
	*busy = tot ? (double)(b->core_busy - a->core_busy) / (double)tot : -1;
}
