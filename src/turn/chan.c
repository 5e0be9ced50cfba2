/* Channel bindings (RFC 8656 §12): a channel number bound to one peer transport address,
 * each with its own time-to-expiry. Inline storage first, a heap array when more are bound. */
#include "turn/alloc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct turn_chan *turn_chan_by_number(struct turn_alloc *a, uint16_t number, uint64_t now_ms)
{
	uint16_t i;

	for (i = 0; i < a->nchans; i++) {
		struct turn_chan *c = &a->chans[i];

		if (c->number == number && c->expire_ms > now_ms)
			return c;
	}
	return NULL;
}

struct turn_chan *turn_chan_by_peer(struct turn_alloc *a, const struct turn_ip *ip, uint16_t port,
				    uint64_t now_ms)
{
	uint16_t i;

	for (i = 0; i < a->nchans; i++) {
		struct turn_chan *c = &a->chans[i];

		if (c->port == port && c->expire_ms > now_ms && turn_ip_eq(&c->ip, ip))
			return c;
	}
	return NULL;
}

static int turn_chan_grow(struct turn_alloc *a)
{
	uint16_t cap = (uint16_t)(a->capchans * 2);
	struct turn_chan *c = malloc(cap * sizeof(*c));

	if (c == NULL)
		return -ENOMEM;
	memcpy(c, a->chans, a->nchans * sizeof(*c));
	if (a->chans != a->chan_inline)
		free(a->chans);
	a->chans = c;
	a->capchans = cap;
	return 0;
}

int turn_chan_bind(struct turn_alloc *a, uint16_t number, const struct turn_ip *ip, uint16_t port,
		   uint64_t expire_ms, uint32_t max)
{
	uint16_t i;
	int rc;

	for (i = 0; i < a->nchans; i++) {
		struct turn_chan *c = &a->chans[i];

		/* The same number (expired or not) is reused for the binding. */
		if (c->number == number) {
			c->ip = *ip;
			c->port = port;
			c->expire_ms = expire_ms;
			return 0;
		}
	}
	if ((max && a->nchans >= max) || a->nchans > STUN_CHANNEL_MAX - STUN_CHANNEL_MIN)
		return -ENOSPC;
	if (a->nchans == a->capchans) {
		rc = turn_chan_grow(a);
		if (rc < 0)
			return rc;
	}
	a->chans[a->nchans] = (struct turn_chan){
		.expire_ms = expire_ms, .ip = *ip, .port = port, .number = number};
	a->nchans++;
	return 0;
}

uint64_t turn_chan_expire(struct turn_alloc *a, uint64_t now_ms)
{
	uint64_t next = UINT64_MAX;
	uint16_t i = 0;

	while (i < a->nchans) {
		if (a->chans[i].expire_ms <= now_ms) {
			a->chans[i] = a->chans[--a->nchans];
			continue;
		}
		if (a->chans[i].expire_ms < next)
			next = a->chans[i].expire_ms;
		i++;
	}
	return next;
}

void turn_chan_fini(struct turn_alloc *a)
{
	if (a->chans != a->chan_inline)
		free(a->chans);
	a->chans = a->chan_inline;
	a->nchans = 0;
	a->capchans = TURN_INLINE_CHANS;
}
