/* What the benchmark load generators read from /proc and getrusage: a server's CPU time
 * (every thread's), its resident memory and open descriptors, their own CPU time, and how
 * busy one core was. Shared by loadgen (Binding) and turnload (TURN). */
#ifndef TERN_BENCH_PROCSTAT_H
#define TERN_BENCH_PROCSTAT_H

#include <stdint.h>

/* CPU seconds of every thread of pid (nanosecond schedstat, else utime+stime), or -1. */
double procstat_cpu(int pid);
/* VmRSS of pid in KiB, or -1. */
long procstat_rss_kb(int pid);
/* RssAnon of pid in KiB (VmRSS less file-backed pages: heap, stacks), or -1. */
long procstat_rss_anon_kb(int pid);
/* Open file descriptors of pid (entries of /proc/PID/fd), or -1. */
int procstat_fds(int pid);
/* The calling thread's user+system CPU seconds. */
double procstat_self_cpu(void);
/* Busy and total jiffies of one CPU from /proc/stat; zeros if unknown (core < 0). */
void procstat_core(int core, uint64_t *busy, uint64_t *total);

#endif
