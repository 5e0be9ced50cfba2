/* The TURN REST static-secret store (DESIGN.md §4): the shared secrets of the
 * static-auth-secret option, each an alternative (rotation). A lookup answers one long-term
 * key per secret for the username as given (auth/rest.h: password
 * base64(HMAC-SHA1(secret, USERNAME))), with no limits of its own. It does not parse the
 * username: the chain (cred/chain.h) only routes REST-shaped, unexpired usernames here.
 *
 * Use: the main thread calls cred_rest_static_new once; each worker gets its own struct
 * cred_store from cred_rest_static_store (no allocation; its ops->free does nothing); after
 * every worker has stopped, the main thread calls cred_rest_static_free. Lookups complete
 * synchronously and write no shared state. */
#ifndef TERN_CRED_REST_STATIC_H
#define TERN_CRED_REST_STATIC_H

#include <stddef.h>

#include "auth/cred.h"

struct cred_rest_static;

/* Copies n secrets (1..CRED_KEYS_MAX, each non-empty). 0 and *out, -EINVAL or -ENOMEM. */
int cred_rest_static_new(const char *const *secrets, size_t n, struct cred_rest_static **out);
/* Wipes and frees r (NULL is fine). No worker may use its stores afterwards. */
void cred_rest_static_free(struct cred_rest_static *r);
/* Fills *out with a cred_store backed by r (borrowed: r must outlive it). Its lookup
 * answers 0 with one key per secret, -ENOENT for a USERHASH-only query or when no key could
 * be derived, -EINVAL for a query without realm. */
void cred_rest_static_store(const struct cred_rest_static *r, struct cred_store *out);

#endif
