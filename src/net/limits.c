/* The descriptor budget and the per-source TCP connection limit. */
#include "net/limits.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <sys/resource.h>

#include "base/log.h"
#include "net/srcmap.h"

int net_limits_new(size_t max_tcp, unsigned per_src, struct net_limits **out)
{
	struct net_limits *l = calloc(1, sizeof(*l));

	if (!l)
		return -ENOMEM;
	if (net_srcmap_new(max_tcp, &l->src) < 0) {
		free(l);
		return -ENOMEM;
	}
	pthread_mutex_init(&l->lock, NULL);
	l->per_src = per_src;
	atomic_init(&l->tcp, 0);
	atomic_init(&l->relays, 0);
	atomic_init(&l->relay_short.on, false);
	atomic_init(&l->relay_short.count, 0);
	atomic_init(&l->tcp_short.on, false);
	atomic_init(&l->tcp_short.count, 0);
	l->limit = 1024;
	l->reserve = NET_FD_RESERVE_MIN;
	*out = l;
	return 0;
}

void net_limits_free(struct net_limits *l)
{
	if (!l)
		return;
	net_srcmap_free(l->src);
	pthread_mutex_destroy(&l->lock);
	free(l);
}

/* Descriptors open in this process (/proc/self/fd, less the one reading it). */
static long net_limits_open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	long n = 0;

	if (!d)
		return 0;
	while (readdir(d))
		n++;
	closedir(d);
	return n > 3 ? n - 3 : 0; /* ".", ".." and the directory's own descriptor */
}

void net_limits_start(struct net_limits *l)
{
	struct rlimit rl;

	/* Anything beyond 2^30 is as good as unlimited here. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0)
		l->limit = rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > ((rlim_t)1 << 30)
				   ? 1L << 30
				   : (long)rl.rlim_cur;
	l->reserve = l->limit / 4 > NET_FD_RESERVE_MIN ? l->limit / 4 : NET_FD_RESERVE_MIN;
	l->base = net_limits_open_fds();
	log_info("net",
		 "descriptors limit=%ld in_use=%ld reserve=%ld tcp_max=%ld "
		 "tcp_per_source=%u",
		 l->limit, l->base, l->reserve, l->limit - l->reserve - l->base, l->per_src);
}

/* Descriptors in use with that many TCP connections and relay sockets. */
static long net_limits_in_use(struct net_limits *l, long tcp, long relays)
{
	return l->base + tcp + relays;
}

int net_limits_src_take(struct net_limits *l, const struct addr *src)
{
	int err;

	pthread_mutex_lock(&l->lock);
	err = net_srcmap_take(l->src, src, l->per_src);
	pthread_mutex_unlock(&l->lock);
	return err == -ENOSPC ? -EMFILE : err;
}

void net_limits_src_put(struct net_limits *l, const struct addr *src)
{
	pthread_mutex_lock(&l->lock);
	net_srcmap_put(l->src, src);
	pthread_mutex_unlock(&l->lock);
}

int net_limits_tcp_take(struct net_limits *l, const struct addr *src)
{
	long tcp = atomic_fetch_add(&l->tcp, 1) + 1;
	int err;

	if (net_limits_in_use(l, tcp, atomic_load(&l->relays)) > l->limit - l->reserve) {
		atomic_fetch_sub(&l->tcp, 1);
		return -EMFILE;
	}
	if (src && (err = net_limits_src_take(l, src)) < 0) {
		atomic_fetch_sub(&l->tcp, 1);
		return err;
	}
	return 0;
}

void net_limits_tcp_put(struct net_limits *l, const struct addr *src)
{
	if (src)
		net_limits_src_put(l, src);
	atomic_fetch_sub(&l->tcp, 1);
}

int net_limits_relay_take(struct net_limits *l, int n)
{
	long relays = atomic_fetch_add(&l->relays, n) + n;

	if (net_limits_in_use(l, atomic_load(&l->tcp), relays) > l->limit - NET_FD_SPARE) {
		atomic_fetch_sub(&l->relays, n);
		return -EMFILE;
	}
	return 0;
}

void net_limits_relay_put(struct net_limits *l, int n)
{
	atomic_fetch_sub(&l->relays, n);
}

bool net_episode_fail(struct net_episode *e)
{
	if (!atomic_load(&e->on) && !atomic_exchange(&e->on, true)) {
		atomic_store(&e->count, 1);
		return true;
	}
	atomic_fetch_add(&e->count, 1);
	return false;
}

bool net_episode_ok(struct net_episode *e, unsigned long *failures)
{
	if (!atomic_load(&e->on) || !atomic_exchange(&e->on, false))
		return false;
	*failures = atomic_exchange(&e->count, 0);
	return true;
}
