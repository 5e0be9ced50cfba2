/* Worker threads: the event base, the notify queue, the loop. */
#include "config.h" /* first: _GNU_SOURCE for pthread_setname_np(3) */
#include "net/worker.h"

#include <errno.h>
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "base/aead.h"
#include "base/timer.h"
#include "base/xmalloc.h"
#include "net/dtls.h"
#include "net/relay.h"
#include "net/tcp.h"
#include "net/tcprelay.h"
#include "net/tls_ctx.h"
#include "net/udp.h"
#include "turn/server.h"

uint64_t net_clock_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* libevent caches the time once per loop iteration: a change of the cached value marks a
 * new iteration, and only then is the clock read. */
uint64_t net_worker_now(struct net_worker *w)
{
	struct timeval tv;

	event_base_gettimeofday_cached(w->base, &tv);
	if (tv.tv_sec != w->clock_mark.tv_sec || tv.tv_usec != w->clock_mark.tv_usec) {
		w->clock_mark = tv;
		w->now_ms = net_clock_ms();
	}
	return w->now_ms;
}

void net_worker_flush(struct net_worker *w)
{
	net_tcp_flush(w);
	net_udp_flush(w->batch);
	net_relay_release(w->rbatch);
}

static void net_worker_tick(evutil_socket_t fd, short what, void *arg)
{
	struct net_worker *w = arg;

	turn_server_tick(w->turn, net_worker_now(w));
}

/* Frees the TURN core (closing its relay sockets) before the sockets its clients use. */
static void net_worker_turn_free(struct net_worker *w)
{
	if (w->tick_ev)
		event_free(w->tick_ev);
	w->tick_ev = NULL;
	if (w->turn)
		turn_server_free(w->turn);
	w->turn = NULL;
}

/* Closes the DTLS sockets and their sessions. */
static void net_worker_dtls_free(struct net_worker *w)
{
	for (size_t i = 0; i < w->ndtls; i++)
		net_dtls_free(w->dtls[i]);
	w->ndtls = 0;
}

/* Closes the sockets and leaves the loop. Worker thread. The order matters: what relay
 * sockets queued for UDP clients in this loop iteration names client sockets, so it
 * leaves before any of them is closed; the TURN core goes next (its relays, and answers
 * still owed through a connection's send, use client sockets and connections); then the
 * listeners, the connections and the client sockets. Nothing is queued afterwards: no
 * relay socket is left to receive. */
static void net_worker_shutdown(struct net_worker *w)
{
	net_worker_flush(w);
	net_worker_turn_free(w);
	net_tcprelay_close_all(w);
	for (size_t i = 0; i < w->ntcpl; i++)
		net_tcp_listener_free(w->tcpl[i]);
	w->ntcpl = 0;
	net_tcp_close_all(w);
	net_worker_dtls_free(w);
	for (size_t i = 0; i < w->nudp; i++)
		net_udp_free(w->udp[i]);
	w->nudp = 0;
	event_base_loopexit(w->base, NULL);
}

/* Runs the queued commands. */
static void net_worker_run_queue(struct net_worker *w)
{
	struct net_worker_cmd cmd;

	for (;;) {
		pthread_mutex_lock(&w->qlock);
		if (w->qlen == 0) {
			pthread_mutex_unlock(&w->qlock);
			break;
		}
		cmd = w->q[w->qhead];
		w->qhead = (w->qhead + 1) % NET_WORKER_QUEUE;
		w->qlen--;
		pthread_mutex_unlock(&w->qlock);
		cmd.fn(w, cmd.arg);
	}
}

void net_worker_drain(struct net_worker *w)
{
	net_worker_run_queue(w);
}

/* Runs the queued commands. Worker thread. */
static void net_worker_notified(evutil_socket_t fd, short what, void *arg)
{
	struct net_worker *w = arg;
	uint64_t v;

	if (read(w->notify_fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		return;
	net_worker_run_queue(w);
	if (atomic_load(&w->stop))
		net_worker_shutdown(w);
}

static void net_worker_wake(struct net_worker *w)
{
	uint64_t one = 1;

	/* Only fails if the counter is saturated, which wakes the worker all the same. */
	if (write(w->notify_fd, &one, sizeof(one)) < 0)
		return;
}

int net_worker_call(struct net_worker *w, net_worker_cb fn, void *arg)
{
	pthread_mutex_lock(&w->qlock);
	if (w->qlen == NET_WORKER_QUEUE) {
		pthread_mutex_unlock(&w->qlock);
		return -EAGAIN;
	}
	w->q[(w->qhead + w->qlen) % NET_WORKER_QUEUE] = (struct net_worker_cmd){fn, arg};
	w->qlen++;
	pthread_mutex_unlock(&w->qlock);
	net_worker_wake(w);
	return 0;
}

struct turn_server *net_worker_turn(struct net_worker *w)
{
	return w->turn;
}

struct event_base *net_worker_base(struct net_worker *w)
{
	return w->base;
}

void net_worker_stop(struct net_worker *w)
{
	atomic_store(&w->stop, true);
	net_worker_wake(w);
}

static struct event_base *net_worker_base_new(void)
{
	struct event_config *cfg = event_config_new();
	struct event_base *base;

	if (!cfg)
		return NULL;
	/* One thread per base: no locking inside libevent. */
	event_config_set_flag(cfg, EVENT_BASE_FLAG_NOLOCK);
	base = event_base_new_with_config(cfg);
	event_config_free(cfg);
	return base;
}

/* The TURN core of w, its credential store and its tick. 0 or -errno. */
static int net_worker_turn_new(struct net_worker *w)
{
	const struct net_opts *o = w->opts;
	struct timeval tv = {0, TIMER_TICK_MS * 1000};
	struct cred_store *creds = NULL;
	int err;

	net_portpool_init(&w->ports, o->min_port, o->max_port, w->id + 1);
	w->relays = o->turn ? o->turn->relays : NULL;
	w->rbatch = net_relay_batch_new();
	if (o->cred_new && (err = o->cred_new(o->cred_arg, w->base, &creds)) < 0)
		return err;
	err = turn_server_new(o->turn, &net_relay_ops, w, creds, net_clock_ms(), &w->turn);
	if (err)
		return err;
	turn_server_set_worker(w->turn, w->id);
	if (o->turn_attach &&
	    (err = o->turn_attach(o->turn_attach_arg, w->base, w->id, w->turn)) < 0)
		return err;
	w->tick_ev = event_new(w->base, -1, EV_PERSIST, net_worker_tick, w);
	if (!w->tick_ev || event_add(w->tick_ev, &tv) < 0)
		return -ENOMEM;
	return 0;
}

int net_worker_new(unsigned id, const struct net_opts *opts, struct net_limits *limits,
		   struct net_worker **out)
{
	struct net_worker *w = xcalloc(1, sizeof(*w));
	int err = -ENOMEM;

	w->id = id;
	w->opts = opts;
	w->limits = limits;
	w->max_conns = opts->max_tcp_conns;
	if (opts->tls)
		w->tls = tls_ctxset_ref(opts->tls);
	/* At most this many handshake-failure lines a second per worker. */
	tls_hsfail_limit_init(&w->hsfail, 10);
	w->notify_fd = -1;
	pthread_mutex_init(&w->qlock, NULL);
	atomic_init(&w->stop, false);
	w->batch = net_udp_batch_new();
	w->base = net_worker_base_new();
	if (!w->base)
		goto fail;
	w->notify_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (w->notify_fd < 0)
		goto fail;
	w->notify_ev =
		event_new(w->base, w->notify_fd, EV_READ | EV_PERSIST, net_worker_notified, w);
	if (!w->notify_ev || event_add(w->notify_ev, NULL) < 0)
		goto fail;
	if (net_tcp_worker_init(w) < 0)
		goto fail;
	if ((err = net_worker_turn_new(w)) < 0)
		goto fail;
	*out = w;
	return 0;
fail:
	net_worker_free(w);
	return err;
}

int net_worker_add_udp(struct net_worker *w, int fd, const struct addr *local)
{
	if (w->nudp == sizeof(w->udp) / sizeof(w->udp[0])) {
		close(fd);
		return -ENOSPC;
	}
	int err = net_udp_new(w, fd, local, &w->udp[w->nudp]);
	if (!err)
		w->nudp++;
	return err;
}

int net_worker_add_tcp(struct net_worker *w, int fd, const struct addr *local, bool tls)
{
	if (w->ntcpl == sizeof(w->tcpl) / sizeof(w->tcpl[0])) {
		close(fd);
		return -ENOSPC;
	}
	int err = net_tcp_listener_new(w, fd, local, tls, &w->tcpl[w->ntcpl]);
	if (!err)
		w->ntcpl++;
	return err;
}

int net_worker_add_dtls(struct net_worker *w, int fd, const struct addr *local,
			struct net_dtls_keys *keys)
{
	if (w->ndtls == NET_MAX_LISTEN) {
		close(fd);
		return -ENOSPC;
	}
	int err = net_dtls_new(w, fd, local, keys, &w->dtls[w->ndtls]);
	if (!err)
		w->ndtls++;
	return err;
}

static void *net_worker_main(void *arg)
{
	struct net_worker *w = arg;
	char name[16];

	snprintf(name, sizeof(name), "tern-w%u", w->id);
	pthread_setname_np(pthread_self(), name);
	/* One iteration at a time, so what the relay sockets queued for clients leaves in one
	 * sendmmsg per iteration rather than one per relay socket. */
	while (event_base_loop(w->base, EVLOOP_ONCE) == 0) {
		net_worker_flush(w);
		if (event_base_got_exit(w->base) || event_base_got_break(w->base))
			break;
	}
	/* After net_worker_shutdown nothing is pending; this covers a loop that ended on
	 * its own (no events left), when the client sockets are all still open. */
	net_worker_flush(w);
	return NULL;
}

int net_worker_start(struct net_worker *w)
{
	int err = pthread_create(&w->thread, NULL, net_worker_main, w);

	if (err)
		return -err;
	w->started = true;
	return 0;
}

void net_worker_join(struct net_worker *w)
{
	if (!w->started)
		return;
	pthread_join(w->thread, NULL);
	w->started = false;
}

void net_worker_free(struct net_worker *w)
{
	if (!w)
		return;
	net_worker_turn_free(w);
	net_tcprelay_close_all(w);
	for (size_t i = 0; i < w->ntcpl; i++)
		net_tcp_listener_free(w->tcpl[i]);
	for (size_t i = 0; i < w->nudp; i++)
		net_udp_free(w->udp[i]);
	net_tcp_close_all(w);
	net_worker_dtls_free(w);
	if (w->reap_ev)
		event_free(w->reap_ev);
	if (w->notify_ev)
		event_free(w->notify_ev);
	if (w->notify_fd >= 0)
		close(w->notify_fd);
	if (w->base)
		event_base_free(w->base);
	net_udp_batch_free(w->batch);
	net_relay_batch_free(w->rbatch);
	if (w->tls)
		tls_ctxset_unref(w->tls);
	crypto_aead_free(w->aead);
	pthread_mutex_destroy(&w->qlock);
	free(w);
}
