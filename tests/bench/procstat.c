#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* RUSAGE_THREAD */
#endif
#include "procstat.h"

#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

/* utime+stime from /proc/PID/stat: clock ticks (10 ms here), the fallback. */
static double procstat_cpu_ticks(int pid)
{
	char path[64], buf[1024];
	unsigned long ut, st;
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if (!(f = fopen(path, "r")))
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* comm may hold spaces and parens: fields resume after the last ')'. */
	char *p = strrchr(buf, ')');
	if (!p ||
	    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
		return -1;
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

/* The sum over the threads of the time on CPU in nanoseconds (first field of
 * /proc/PID/task/TID/schedstat): precise enough for slices of a few hundred
 * milliseconds, where clock ticks are not. -1 without schedstat. */
static double procstat_cpu_ns(int pid)
{
	char path[64];
	struct dirent *e;
	unsigned long long sum = 0, ns;
	int seen = 0;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	if (!(d = opendir(path)))
		return -1;
	while ((e = readdir(d))) {
		char sp[320];
		FILE *f;
		if (e->d_name[0] == '.')
			continue;
		snprintf(sp, sizeof(sp), "/proc/%d/task/%s/schedstat", pid, e->d_name);
		if (!(f = fopen(sp, "r")))
			continue; /* the thread just ended */
		if (fscanf(f, "%llu", &ns) == 1) {
			sum += ns;
			seen++;
		}
		fclose(f);
	}
	closedir(d);
	return seen ? (double)sum / 1e9 : -1;
}

double procstat_cpu(int pid)
{
	double s;

	if (pid <= 0)
		return -1;
	s = procstat_cpu_ns(pid);
	return s >= 0 ? s : procstat_cpu_ticks(pid);
}

/* A "Name:   N kB" field of /proc/PID/status, or -1. */
static long procstat_status_kb(int pid, const char *name)
{
	char path[64], line[256];
	size_t len = strlen(name);
	long kb = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	if (pid <= 0 || !(f = fopen(path, "r")))
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, name, len) == 0 && line[len] == ':' &&
		    sscanf(line + len + 1, "%ld", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

long procstat_rss_kb(int pid)
{
	return procstat_status_kb(pid, "VmRSS");
}

long procstat_rss_anon_kb(int pid)
{
	return procstat_status_kb(pid, "RssAnon");
}

int procstat_fds(int pid)
{
	char path[64];
	struct dirent *e;
	int n = 0;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/fd", pid);
	if (pid <= 0 || !(d = opendir(path)))
		return -1;
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

double procstat_self_cpu(void)
{
	struct rusage ru;

	/* The calling thread: turnload's idle pollers (tl_proc.c) are not its work. */
	getrusage(RUSAGE_THREAD, &ru);
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
	       (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

void procstat_core(int core, uint64_t *busy, uint64_t *total)
{
	char want[16], line[512];
	unsigned long long v[8] = {0};
	FILE *f;

	*busy = *total = 0;
	if (core < 0 || !(f = fopen("/proc/stat", "r")))
		return;
	snprintf(want, sizeof(want), "cpu%d ", core);
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, want, strlen(want)) != 0)
			continue;
		sscanf(line + strlen(want), "%llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1],
		       &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]);
		break;
	}
	fclose(f);
	/* user nice system idle iowait irq softirq steal */
	for (int i = 0; i < 8; i++)
		*total += v[i];
	*busy = *total - v[3] - v[4];
}
