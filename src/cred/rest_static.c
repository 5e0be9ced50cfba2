/* The TURN REST static-secret store (cred/rest_static.h). */
#include "cred/rest_static.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "auth/rest.h"
#include "cred/static.h"

struct cred_rest_static {
	char *secrets[CRED_KEYS_MAX]; /* owned, NUL-terminated */
	size_t lens[CRED_KEYS_MAX];
	size_t n;
};

int cred_rest_static_new(const char *const *secrets, size_t n, struct cred_rest_static **out)
{
	struct cred_rest_static *r;

	if (n == 0 || n > CRED_KEYS_MAX)
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		if (secrets[i] == NULL || secrets[i][0] == '\0')
			return -EINVAL;
	r = calloc(1, sizeof(*r));
	if (r == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		r->secrets[i] = strdup(secrets[i]);
		if (r->secrets[i] == NULL) {
			cred_rest_static_free(r);
			return -ENOMEM;
		}
		r->lens[i] = strlen(secrets[i]);
		r->n++;
	}
	*out = r;
	return 0;
}

void cred_rest_static_free(struct cred_rest_static *r)
{
	if (r == NULL)
		return;
	for (size_t i = 0; i < r->n; i++) {
		explicit_bzero(r->secrets[i], r->lens[i]);
		free(r->secrets[i]);
	}
	free(r);
}

/* cred_store_ops.lookup: synchronous; reads r only, so any thread may call it. A secret
 * whose key cannot be derived is skipped (the others may still verify). */
static int rest_static_lookup(void *impl, const struct cred_query *q, cred_cb cb, void *arg)
{
	const struct cred_rest_static *r = impl;
	struct cred_key keys[CRED_KEYS_MAX];
	struct cred_limits none = {0};
	struct cred_result res = {.status = -ENOENT, .limits = &none};
	size_t n = 0;

	if (q->realm == NULL)
		return -EINVAL;
	for (size_t i = 0; q->user && i < r->n; i++)
		if (auth_rest_key(r->secrets[i], r->lens[i], q->user, q->user_len, q->realm,
				  q->realm_len, &keys[n]) == 0)
			n++;
	if (n) {
		res.status = 0;
		res.key = keys;
		res.nkeys = n;
	}
	cb(arg, &res);
	explicit_bzero(keys, sizeof(keys));
	return 0;
}

/* Synchronous like the static users: the same no-op cancel and free (cred/static.h). */
static const struct cred_store_ops rest_static_ops = {
	.lookup = rest_static_lookup,
	.cancel = cred_static_cancel_none,
	.free = cred_static_free_none,
};

void cred_rest_static_store(const struct cred_rest_static *r, struct cred_store *out)
{
	out->ops = &rest_static_ops;
	/* impl is void * in the interface; rest_static_lookup only reads through it. */
	out->impl = (void *)(uintptr_t)r;
}
