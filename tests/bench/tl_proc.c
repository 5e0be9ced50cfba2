/*
 * tl_proc — clocks and what turnload reads about the server from /proc:
 * CPU time (utime+stime of every thread, /proc/PID/stat), resident memory
 * (/proc/PID/status VmRSS) and how busy the server's core was (/proc/stat).
 */
#include "turnload.h"

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

/* utime+stime of pid in seconds, or -1. */
static double tl_proc_cpu(int pid)
{
	char path[64], buf[1024];
	unsigned long ut, st;
	size_t n;
	FILE *f;

	if (pid <= 0)
		return -1;
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if (!(f = fopen(path, "r")))
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* comm may hold spaces and parens: fields resume after the last ')'. */
	char *p = strrchr(buf, ')');
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
			 &ut, &st) != 2)
		return -1;
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

long tl_proc_rss_kb(int pid)
{
	char path[64], line[256];
	long kb = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	if (pid <= 0 || !(f = fopen(path, "r")))
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmRSS: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

static double tl_self_cpu(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
	       (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

/* Busy and total jiffies of one CPU; zeros if unknown. */
static void tl_core_stat(int core, uint64_t *busy, uint64_t *total)
{
	char want[16], line[512];
	unsigned long long v[8] = { 0 };
	FILE *f;

	*busy = *total = 0;
	if (core < 0 || !(f = fopen("/proc/stat", "r")))
		return;
	snprintf(want, sizeof(want), "cpu%d ", core);
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, want, strlen(want)) != 0)
			continue;
		sscanf(line + strlen(want), "%llu %llu %llu %llu %llu %llu %llu %llu", &v[0],
		       &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]);
		break;
	}
	fclose(f);
	/* user nice system idle iowait irq softirq steal */
	for (int i = 0; i < 8; i++)
		*total += v[i];
	*busy = *total - v[3] - v[4];
}

void tl_snap_take(const struct tl *t, struct tl_snap *s)
{
	s->ns = tl_now_ns();
	s->server_cpu = tl_proc_cpu(t->o.pid);
	s->self_cpu = tl_self_cpu();
	tl_core_stat(t->o.core, &s->core_busy, &s->core_total);
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
