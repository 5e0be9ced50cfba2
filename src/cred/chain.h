/* The credential chain (DESIGN.md §4): one struct cred_store (auth/cred.h) composed of an
 * ordered list of stores, each a link of one kind:
 *   CRED_CHAIN_REST   TURN REST secrets (static-auth-secret, Redis's set): asked only for
 *                     a REST username that has not expired (auth/rest.h), and only when
 *                     the chain's rest (use-auth-secret) is on;
 *   CRED_CHAIN_USERS  long-term users (static users, Redis's users): asked for every other
 *                     USERNAME (an expired REST username included) and for USERHASH.
 * A lookup asks the links of its kind in order:
 *   - -ENOENT falls through to the next link;
 *   - any other error (-EIO store down, -ETIMEDOUT, -EAGAIN) is the answer: the chain fails
 *     closed and never asks a lower link (the server answers 500, never 401);
 *   - a USERS link that finds the user is the answer (the first definite answer wins);
 *   - a REST link that finds keys adds them to the answer and the walk goes on: every
 *     secret of every REST link is an alternative key (rotation across stores), in link
 *     order, at most CRED_KEYS_MAX. The limits are those of the lowest REST link that gave
 *     any (with its keys or with its -ENOENT: Redis knows the realm's limits without a
 *     secret of its own). When every REST link has answered, the pooled keys are the
 *     answer, or -ENOENT when there are none.
 * When no link is left, the answer is -ENOENT. A link that answers later (Redis) keeps its
 * place: the walk resumes from its answer. cancel reaches the link holding the lookup.
 * peer_verdict is the first non-zero verdict of the links in order (a store that appears
 * twice, as Redis's two views of one worker do, is asked once).
 *
 * ternd's order (app/app_cred.c): REST static secrets, Redis's secrets, static users,
 * Redis's users. A chain belongs to one worker (as its stores do). */
#ifndef TERN_CRED_CHAIN_H
#define TERN_CRED_CHAIN_H

#include <stdbool.h>
#include <stddef.h>

#include "auth/cred.h"

#define CRED_CHAIN_MAX 8

enum cred_chain_kind {
	CRED_CHAIN_USERS,
	CRED_CHAIN_REST,
};

struct cred_chain_link {
	struct cred_store store; /* the chain owns it: its ops->free runs at the end */
	enum cred_chain_kind kind;
};

struct cred_chain_cfg {
	bool rest;     /* use-auth-secret: route REST usernames to REST links */
	char rest_sep; /* rest-api-separator */
};

/* Builds a chain of n links (0..CRED_CHAIN_MAX, copied; the stores are owned from now on,
 * also on failure). Its ops->free cancels what is pending and frees every link's store.
 * 0 and *out, -EINVAL or -ENOMEM. */
int cred_chain_new(const struct cred_chain_cfg *cfg, const struct cred_chain_link *links, size_t n,
		   struct cred_store **out);
/* Lookups waiting on a link. */
size_t cred_chain_pending(const struct cred_store *chain);

#endif
