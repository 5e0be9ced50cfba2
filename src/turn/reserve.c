/* RESERVATION-TOKEN bookkeeping on the worker that made the reservation (RFC 8656 §7.2:
 * the port N+1 is held for at least 30 seconds). The token itself lives in turn_shared so
 * that an Allocate on any worker can take it; whoever takes it first owns the handle. */
#include "turn/core.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "turn/shared.h"

static void turn_resv_unlink(struct turn_server *s, struct turn_resv *r)
{
	struct turn_resv **p;

	for (p = &s->resv; *p; p = &(*p)->next) {
		if (*p == r) {
			*p = r->next;
			return;
		}
	}
}

/* Releases the reserved port unless an Allocate took it meanwhile. */
static void turn_resv_release(struct turn_server *s, struct turn_resv *r)
{
	void *handle;
	int family;

	timer_cancel(&r->timer);
	if (turn_shared_token_take(s->shared, r->token, 0, &handle, &family) == 0)
		s->ops->close(s->ops_ctx, handle);
	turn_resv_unlink(s, r);
	free(r);
}

static void turn_resv_timer_cb(struct timer *t, void *arg)
{
	struct turn_resv *r = arg;

	(void)t;
	turn_resv_release(r->s, r);
}

int turn_resv_add(struct turn_server *s, const uint8_t token[TURN_TOKEN_LEN], void *handle,
		  int family, const uint8_t *ident, uint64_t now_ms)
{
	struct turn_resv *r = calloc(1, sizeof(*r));
	int rc;

	if (r == NULL)
		return -ENOMEM;
	rc = turn_shared_token_put(s->shared, token, handle, family, now_ms + TURN_RESERVATION_MS,
				   ident);
	if (rc < 0) {
		free(r);
		return rc;
	}
	r->s = s;
	memcpy(r->token, token, TURN_TOKEN_LEN);
	timer_init(&r->timer, turn_resv_timer_cb, r);
	timer_set(s->wheel, &r->timer, now_ms + TURN_RESERVATION_MS);
	r->next = s->resv;
	s->resv = r;
	return 0;
}

void turn_resv_free_all(struct turn_server *s)
{
	while (s->resv)
		turn_resv_release(s, s->resv);
}
