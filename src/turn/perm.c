/* Permissions (RFC 8656 §9): peer IP addresses (ports ignored) an allocation relays to and
 * from, each with its own time-to-expiry. A few live inline in the allocation; the array
 * moves to the heap only when a client installs more. */
#include "turn/alloc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct turn_perm *turn_perm_find(struct turn_alloc *a, const struct turn_ip *ip, uint64_t now_ms)
{
	uint16_t i;

	for (i = 0; i < a->nperms; i++) {
		struct turn_perm *p = &a->perms[i];

		if (p->expire_ms > now_ms && turn_ip_eq(&p->ip, ip))
			return p;
	}
	return NULL;
}

static int turn_perm_grow(struct turn_alloc *a)
{
	uint16_t cap = (uint16_t)(a->capperms * 2);
	struct turn_perm *p = malloc(cap * sizeof(*p));

	if (p == NULL)
		return -ENOMEM;
	memcpy(p, a->perms, a->nperms * sizeof(*p));
	if (a->perms != a->perm_inline)
		free(a->perms);
	a->perms = p;
	a->capperms = cap;
	return 0;
}

int turn_perm_add(struct turn_alloc *a, const struct turn_ip *ip, uint64_t expire_ms, uint32_t max,
		  bool relay_only)
{
	uint16_t i;
	int rc;

	/* §9: an existing permission (even one just expired) is refreshed. */
	for (i = 0; i < a->nperms; i++) {
		if (turn_ip_eq(&a->perms[i].ip, ip)) {
			a->perms[i].expire_ms = expire_ms;
			a->perms[i].relay_only = relay_only;
			return 0;
		}
	}
	if ((max && a->nperms >= max) || a->nperms == UINT16_MAX / 2)
		return -ENOSPC;
	if (a->nperms == a->capperms) {
		rc = turn_perm_grow(a);
		if (rc < 0)
			return rc;
	}
	a->perms[a->nperms].ip = *ip;
	a->perms[a->nperms].expire_ms = expire_ms;
	a->perms[a->nperms].relay_only = relay_only;
	a->nperms++;
	return 0;
}

uint64_t turn_perm_expire(struct turn_alloc *a, uint64_t now_ms)
{
	uint64_t next = UINT64_MAX;
	uint16_t i = 0;

	while (i < a->nperms) {
		if (a->perms[i].expire_ms <= now_ms) {
			a->perms[i] = a->perms[--a->nperms];
			continue;
		}
		if (a->perms[i].expire_ms < next)
			next = a->perms[i].expire_ms;
		i++;
	}
	return next;
}

void turn_perm_fini(struct turn_alloc *a)
{
	if (a->perms != a->perm_inline)
		free(a->perms);
	a->perms = a->perm_inline;
	a->nperms = 0;
	a->capperms = TURN_INLINE_PERMS;
}
