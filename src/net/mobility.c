/* Mobility across workers (RFC 8016 §3.2; turn/mob_move.c has the TURN side): a Refresh
 * with MOBILITY-TICKET reached worker `from`, the ticket names worker `owner`. The move
 * travels owner-ward and back through the workers' notify queues (net_worker_call), so
 * each half runs on the thread that owns what it touches: the owner detaches the
 * allocation (its table, timer, relay events), the requester adopts it (its table, timer
 * wheel and event base) and answers. No lock is taken on the packet path. */
#include "net/mobility.h"

#include <errno.h>
#include <stdlib.h>

#include "base/log.h"
#include "base/xmalloc.h"
#include "net/worker.h"
#include "turn/server.h"

struct net_mob_fwd {
	struct net_worker *from;
	struct turn_mob_move *mv;
};

/* On the requester's thread: the allocation (or the owner's refusal) has arrived. */
static void net_mob_adopt(struct net_worker *w, void *arg)
{
	struct net_mob_fwd *f = arg;

	if (w->turn)
		turn_server_mob_adopt(w->turn, f->mv, net_worker_now(w));
	else
		turn_mob_move_free(f->mv);
	free(f);
}

/* On the owner's thread: detach, then back to the requester. */
static void net_mob_detach(struct net_worker *w, void *arg)
{
	struct net_mob_fwd *f = arg;

	if (w->turn == NULL) {
		turn_mob_move_free(f->mv);
		free(f);
		return;
	}
	turn_server_mob_detach(w->turn, f->mv);
	if (net_worker_call(f->from, net_mob_adopt, f) == 0)
		return;
	turn_server_mob_abort(w->turn, f->mv);
	free(f);
}

int net_mob_forward(void *ctx, unsigned worker, struct turn_mob_move *mv)
{
	struct net_worker *w = ctx;
	struct net_mob_fwd *f;

	if (w->all == NULL || worker >= w->nall || w->all[worker] == NULL || worker == w->id)
		return -ENOENT;
	f = xmalloc(sizeof(*f));
	f->from = w;
	f->mv = mv;
	if (net_worker_call(w->all[worker], net_mob_detach, f) < 0) {
		free(f);
		return -EAGAIN;
	}
	/* A control event (an authenticated Refresh with a valid ticket), not per packet. */
	log_debug("net", "mobility hand-over worker=%u owner=%u", w->id, worker);
	return 0;
}
