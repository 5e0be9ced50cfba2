/*
 * tl_proc — clocks, the random source, snapshots of what turnload reads about
 * the server (procstat.c: CPU time, resident memory, how busy its core was),
 * and the idle pollers of the round-trip phase.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* sched_setaffinity, SCHED_IDLE */
#endif
#include "turnload.h"

#include "procstat.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
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
	for (int i = 0; i < t->o.ncpu_pids && s->server_cpu >= 0; i++) {
		double c = procstat_cpu(t->o.cpu_pids[i]);
		s->server_cpu = c < 0 ? -1 : s->server_cpu + c;
	}
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

/*
 * Idle pollers: one thread per listed CPU, pinned there at SCHED_IDLE, that
 * spins until stopped. Any runnable task preempts a SCHED_IDLE one at once,
 * so the pollers take no time from the server or from turnload; what they
 * do is keep the CPU out of the idle halt, as idle=poll would. In a virtual
 * machine a halted vCPU is woken by the hypervisor, which here adds 2-20 ms
 * to one round trip in a hundred, whatever the server: without the pollers
 * the p99 of a paced round trip measures the host, not the server.
 */
static atomic_bool tl_poll_stop;
static pthread_t tl_poll_thr[TL_MAX_POLL_CPUS];
static int tl_poll_n;

static void *tl_poll_main(void *arg)
{
	cpu_set_t set;
	struct sched_param sp = {0};

	CPU_ZERO(&set);
	CPU_SET((int)(intptr_t)arg, &set);
	if (sched_setaffinity(0, sizeof(set), &set) < 0 ||
	    sched_setscheduler(0, SCHED_IDLE, &sp) < 0)
		return NULL; /* not kept out of halt: figures as without pollers */
	while (!atomic_load_explicit(&tl_poll_stop, memory_order_relaxed)) {
#if defined(__x86_64__) || defined(__i386__)
		__builtin_ia32_pause();
#else
		__asm__ volatile("" ::: "memory");
#endif
	}
	return NULL;
}

int tl_idlepoll_start(const int *cpus, int n)
{
	atomic_store(&tl_poll_stop, false);
	for (tl_poll_n = 0; tl_poll_n < n && tl_poll_n < TL_MAX_POLL_CPUS; tl_poll_n++) {
		int err = pthread_create(&tl_poll_thr[tl_poll_n], NULL, tl_poll_main,
					 (void *)(intptr_t)cpus[tl_poll_n]);
		if (err) {
			tl_idlepoll_stop();
			return -err;
		}
	}
	return 0;
}

void tl_idlepoll_stop(void)
{
	atomic_store(&tl_poll_stop, true);
	for (int i = 0; i < tl_poll_n; i++)
		pthread_join(tl_poll_thr[i], NULL);
	tl_poll_n = 0;
}
