/* Drain (app/drain.h). */
#include "app/drain.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>

#include <event2/event.h>

#include "app/app.h"
#include "app/app_turn.h"
#include "app/cfg.h"
#include "app/notify.h"
#include "base/log.h"
#include "base/xmalloc.h"
#include "net/server.h"
#include "net/worker.h"
#include "turn/shared.h"

/* How often the drain counts the allocations left. */
#define APP_DRAIN_CHECK_MS 200

struct app_drain {
	struct event *ev;
	uint64_t started_ms;
	uint64_t deadline_ms; /* 0: none */
};

static void app_count_one(struct net_worker *w, void *arg)
{
	_Atomic uint64_t *n = arg;

	if (w->turn)
		atomic_fetch_add(n, turn_server_counters(w->turn)->allocs);
}

int app_alloc_count(struct app *a, uint64_t *n)
{
	_Atomic uint64_t sum = 0;
	int rc = net_server_each(a->srv, app_count_one, &sum);

	if (rc == 0)
		*n = atomic_load(&sum);
	return rc;
}

static void app_drain_check(evutil_socket_t fd, short what, void *arg)
{
	struct app *a = arg;
	struct app_drain *d = a->drain;
	uint64_t left = 0, now = net_clock_ms();
	uint64_t min = (uint64_t)a->cfg->drain_min_allocations;
	/* A worker that did not answer has allocations nobody counted: not done yet. */
	bool counted = app_alloc_count(a, &left) == 0;

	(void)fd;
	(void)what;
	if (counted && left <= min) {
		log_info("app", "drained allocations=%llu min_allocations=%llu seconds=%llu",
			 (unsigned long long)left, (unsigned long long)min,
			 (unsigned long long)(now - d->started_ms) / 1000);
		app_ctl_stop(a, 0);
	} else if (d->deadline_ms && now >= d->deadline_ms) {
		log_info("app", "drain timeout allocations=%llu seconds=%llu",
			 (unsigned long long)left,
			 (unsigned long long)(now - d->started_ms) / 1000);
		app_ctl_stop(a, 0);
	}
}

int app_drain_start(struct app *a, long long timeout_s, const char *by)
{
	struct timeval tv = {0, APP_DRAIN_CHECK_MS * 1000};
	struct app_drain *d;
	uint64_t n = 0;

	if (a->drain)
		return -EALREADY;
	d = xcalloc(1, sizeof(*d));
	d->ev = event_new(a->base, -1, EV_PERSIST, app_drain_check, a);
	if (d->ev == NULL || event_add(d->ev, &tv) < 0) {
		if (d->ev)
			event_free(d->ev);
		free(d);
		return -ENOMEM;
	}
	d->started_ms = net_clock_ms();
	d->deadline_ms = timeout_s > 0 ? d->started_ms + (uint64_t)timeout_s * 1000 : 0;
	a->drain = d;
	turn_shared_set_draining(app_turn_shared(a->turn), true);
	atomic_store(&a->st.draining, true);
	app_alloc_count(a, &n);
	notify_send("STOPPING=1\nSTATUS=draining %s", by);
	log_info("app",
		 "draining %s timeout=%lld min_allocations=%lld alternates=%zu "
		 "allocations=%llu",
		 by, timeout_s, a->cfg->drain_min_allocations, a->cfg->alternate_server.n,
		 (unsigned long long)n);
	return 0;
}

void app_drain_free(struct app *a)
{
	if (a->drain == NULL)
		return;
	event_free(a->drain->ev);
	free(a->drain);
	a->drain = NULL;
}
