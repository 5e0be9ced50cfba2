/* The credential chain (cred/chain.h): a lookup is a walk over the links of its kind, kept
 * in a request that survives a link answering later. Requests are reused from a per-chain
 * spare list, so a worker allocates only while its number of concurrent lookups grows. */
#include "cred/chain.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auth/rest.h"

/* RFC 8489 §14.3, §14.9: what the STUN decoder accepts for USERNAME and REALM. */
#define CHAIN_NAME_MAX 763

struct cred_chain;

/* One lookup walking the chain. q points into the request's own copies, so the walk can
 * go on after the caller's query is gone. */
struct chain_req {
	struct chain_req *next, *prev; /* pending list; spare list (next only) */
	struct cred_chain *c;
	cred_cb cb; /* NULL once answered */
	void *arg;
	bool rest;     /* REST links, else USERS links */
	size_t pos;    /* the link asked now */
	bool in_call;  /* inside that link's lookup() */
	bool moved_on; /* the link fell through inside its lookup() */
	size_t nkeys;  /* pooled REST keys */
	struct cred_key keys[CRED_KEYS_MAX];
	struct cred_limits limits;
	struct cred_query q;
	uint8_t userhash[CRYPTO_SHA256_LEN];
	char realm[CHAIN_NAME_MAX];
	char user[CHAIN_NAME_MAX];
};

struct cred_chain {
	struct cred_store store; /* handed out; impl = this */
	struct cred_chain_cfg cfg;
	struct cred_chain_link links[CRED_CHAIN_MAX];
	size_t n;
	struct chain_req *pending;
	size_t npending;
	struct chain_req *spare;
};

/* ---- requests ---- */

static struct chain_req *req_get(struct cred_chain *c)
{
	struct chain_req *r = c->spare;

	if (r)
		c->spare = r->next;
	else if ((r = malloc(sizeof(*r))) == NULL)
		return NULL;
	r->c = c;
	r->prev = NULL;
	r->next = c->pending;
	if (c->pending)
		c->pending->prev = r;
	c->pending = r;
	c->npending++;
	r->nkeys = 0;
	r->limits = (struct cred_limits){0};
	r->pos = 0;
	r->in_call = false;
	return r;
}

static void req_put(struct chain_req *r)
{
	struct cred_chain *c = r->c;

	if (r->prev)
		r->prev->next = r->next;
	else
		c->pending = r->next;
	if (r->next)
		r->next->prev = r->prev;
	c->npending--;
	explicit_bzero(r->keys, sizeof(r->keys));
	r->next = c->spare;
	c->spare = r;
}

/* Copies q into r. 0 or -EINVAL (no realm, no name, a name longer than STUN allows). */
static int req_query(struct chain_req *r, const struct cred_query *q)
{
	if (q->realm == NULL || (q->user == NULL && q->userhash == NULL) ||
	    q->realm_len > CHAIN_NAME_MAX || q->user_len > CHAIN_NAME_MAX)
		return -EINVAL;
	memcpy(r->realm, q->realm, q->realm_len);
	r->q = (struct cred_query){.realm = r->realm, .realm_len = q->realm_len};
	if (q->user) {
		memcpy(r->user, q->user, q->user_len);
		r->q.user = r->user;
		r->q.user_len = q->user_len;
	} else {
		memcpy(r->userhash, q->userhash, sizeof(r->userhash));
		r->q.userhash = r->userhash;
	}
	return 0;
}

/* ---- the walk ---- */

static void chain_on_answer(void *arg, const struct cred_result *res);

/* Answers r's caller. r is released here, or by the walk when inside a link's lookup(). */
static void chain_deliver(struct chain_req *r, const struct cred_result *res)
{
	cred_cb cb = r->cb;

	r->cb = NULL;
	cb(r->arg, res);
	if (!r->in_call)
		req_put(r);
}

/* Every link of r's kind has fallen through: the pooled REST keys, or -ENOENT. A REST
 * answer names the user part of "<expiry><sep><user>" for the user quota (auth/cred.h). */
static void chain_end(struct chain_req *r)
{
	struct cred_result res = {.status = -ENOENT, .limits = &r->limits};
	const char *sep;

	if (r->nkeys) {
		res.status = 0;
		res.key = r->keys;
		res.nkeys = r->nkeys;
	}
	sep = r->q.user ? memchr(r->q.user, r->c->cfg.rest_sep, r->q.user_len) : NULL;
	if (r->rest && sep) {
		res.quota_user = sep + 1;
		res.quota_user_len = r->q.user_len - (size_t)(sep + 1 - r->q.user);
	}
	chain_deliver(r, &res);
}

static bool chain_skips(const struct chain_req *r, const struct cred_chain_link *l)
{
	return (l->kind == CRED_CHAIN_REST) != r->rest;
}

/* Asks the links from r->pos on. 0: r is answered (and released) or waits on a link;
 * < 0: a link's lookup() failed and r is neither answered nor released. */
static int chain_walk(struct chain_req *r)
{
	struct cred_chain *c = r->c;
	int rc;

	for (; r->pos < c->n; r->pos++) {
		struct cred_chain_link *l = &c->links[r->pos];

		if (chain_skips(r, l))
			continue;
		r->in_call = true;
		r->moved_on = false;
		rc = cred_lookup(&l->store, &r->q, chain_on_answer, r);
		r->in_call = false;
		if (rc < 0)
			return rc;
		if (r->cb == NULL) {
			req_put(r); /* answered inside lookup() */
			return 0;
		}
		if (!r->moved_on)
			return 0; /* the link answers later: chain_on_answer resumes */
	}
	chain_end(r);
	return 0;
}

/* A REST link's answer joins the pool: its keys, and its limits when it gives any. */
static void chain_pool(struct chain_req *r, const struct cred_result *res)
{
	size_t n = res->key == NULL ? 0 : res->nkeys ? res->nkeys : 1;

	for (size_t i = 0; i < n && r->nkeys < CRED_KEYS_MAX; i++)
		r->keys[r->nkeys++] = res->key[i];
	if (res->limits)
		r->limits = *res->limits;
}

/* cred_cb of every link. */
static void chain_on_answer(void *arg, const struct cred_result *res)
{
	struct chain_req *r = arg;
	int rc;

	if (res->status != 0 && res->status != -ENOENT) {
		chain_deliver(r, res); /* fail closed: no lower link is asked */
		return;
	}
	if (r->rest)
		chain_pool(r, res);
	else if (res->status == 0) {
		chain_deliver(r, res);
		return;
	}
	if (r->in_call) {
		r->moved_on = true; /* the walk in progress goes on */
		return;
	}
	r->pos++;
	rc = chain_walk(r);
	if (rc < 0)
		chain_deliver(r, &(struct cred_result){.status = rc == -EAGAIN ? -EAGAIN : -EIO});
}

/* ---- ops ---- */

static int chain_lookup(void *impl, const struct cred_query *q, cred_cb cb, void *arg)
{
	struct cred_chain *c = impl;
	struct chain_req *r = req_get(c);
	int rc;

	if (r == NULL)
		return -ENOMEM;
	rc = req_query(r, q);
	if (rc < 0) {
		req_put(r);
		return rc;
	}
	r->cb = cb;
	r->arg = arg;
	/* The REST check needs the wall clock: the chain is where it is read. */
	r->rest = c->cfg.rest && q->user &&
		  auth_rest_check(q->user, q->user_len, c->cfg.rest_sep, (int64_t)time(NULL)) == 0;
	rc = chain_walk(r);
	if (rc < 0)
		req_put(r); /* cb will not run */
	return rc;
}

/* Withdraws r from the link that holds it and releases it: its callback will not run. */
static void req_cancel(struct chain_req *r)
{
	struct cred_store *s = &r->c->links[r->pos].store;

	s->ops->cancel(s->impl, chain_on_answer, r);
	req_put(r);
}

static void chain_cancel(void *impl, cred_cb cb, void *arg)
{
	struct cred_chain *c = impl;

	for (struct chain_req *r = c->pending; r; r = r->next) {
		if (r->cb == cb && r->arg == arg && !r->in_call) {
			req_cancel(r);
			return;
		}
	}
}

/* The first non-zero verdict; a store seen at an earlier link is not asked again. */
static int chain_peer_verdict(void *impl, const char *realm, size_t rlen, const struct addr *peer)
{
	struct cred_chain *c = impl;

	for (size_t i = 0; i < c->n; i++) {
		const struct cred_store *s = &c->links[i].store;
		bool seen = false;
		int v;

		for (size_t j = 0; j < i && !seen; j++)
			seen = c->links[j].store.impl == s->impl &&
			       c->links[j].store.ops->peer_verdict == s->ops->peer_verdict;
		if (seen || s->ops->peer_verdict == NULL)
			continue;
		v = s->ops->peer_verdict(s->impl, realm, rlen, peer);
		if (v != 0)
			return v;
	}
	return 0;
}

static void chain_free(void *impl)
{
	struct cred_chain *c = impl;

	/* Called from the worker's loop, never from inside a lookup: all wait on a link. */
	while (c->pending)
		req_cancel(c->pending);
	for (size_t i = 0; i < c->n; i++)
		c->links[i].store.ops->free(c->links[i].store.impl);
	while (c->spare) {
		struct chain_req *r = c->spare;

		c->spare = r->next;
		free(r);
	}
	free(c);
}

static const struct cred_store_ops chain_ops = {
	.lookup = chain_lookup,
	.cancel = chain_cancel,
	.free = chain_free,
	.peer_verdict = chain_peer_verdict,
};

static void chain_free_links(const struct cred_chain_link *links, size_t n)
{
	for (size_t i = 0; i < n; i++)
		links[i].store.ops->free(links[i].store.impl);
}

int cred_chain_new(const struct cred_chain_cfg *cfg, const struct cred_chain_link *links, size_t n,
		   struct cred_store **out)
{
	struct cred_chain *c;

	if (n > CRED_CHAIN_MAX) {
		chain_free_links(links, n);
		return -EINVAL;
	}
	c = calloc(1, sizeof(*c));
	if (c == NULL) {
		chain_free_links(links, n);
		return -ENOMEM;
	}
	c->cfg = *cfg;
	if (n)
		memcpy(c->links, links, n * sizeof(*links));
	c->n = n;
	c->store.ops = &chain_ops;
	c->store.impl = c;
	*out = &c->store;
	return 0;
}

size_t cred_chain_pending(const struct cred_store *chain)
{
	const struct cred_chain *c = chain->impl;

	return c->npending;
}
