/* The static credential store (DESIGN.md §4): users from the configuration
 * ("name:password", coturn's `user` option), one realm. Keys are derived once at creation;
 * afterwards the store is immutable, so one instance is shared read-only by every worker.
 *
 * Use: the main thread calls cred_static_new once; each worker gets its own struct
 * cred_store from cred_static_store (no allocation; its ops->free does nothing); after
 * every worker has stopped, the main thread calls cred_static_free. Lookups complete
 * synchronously (the callback runs before lookup returns) and write no shared state. */
#ifndef TERN_CRED_STATIC_H
#define TERN_CRED_STATIC_H

#include <stddef.h>

#include "auth/cred.h"

struct cred_static;

/* Builds a store for realm (copied) from n user specs (borrowed):
 *   "name:password"  split at the first ':' (the password may contain ':'); the MD5 and
 *                    SHA-256 keys (RFC 8489 §9.2.2, §18.5.1) and the USERHASH (§14.4) are
 *                    precomputed;
 *   "name:0x<32 hex digits>"  coturn's form: the MD5 key itself (as `turnadmin -k` prints
 *                    it); such a user has no SHA-256 key.
 * Names and passwords are used as given bytes (no SASLprep/OpaqueString). Returns 0 and
 * *out, or -EINVAL (empty realm, a spec without ':', an empty name or password, a name
 * of 509 bytes or more (RFC 8489 §14.3), the same name twice), -ENOMEM, -EIO. */
int cred_static_new(const char *realm, const char *const *users, size_t n,
		    struct cred_static **out);
/* Frees s (NULL is fine). No worker may use a store from cred_static_store afterwards. */
void cred_static_free(struct cred_static *s);
/* Fills *out with a cred_store backed by s (borrowed: s must outlive it). */
void cred_static_store(const struct cred_static *s, struct cred_store *out);
/* cancel and free of a store that answers before lookup returns and whose per-worker view
 * owns nothing (the static users, the static REST secrets): both do nothing. */
void cred_static_cancel_none(void *impl, cred_cb cb, void *arg);
void cred_static_free_none(void *impl);
/* Validates one spec as cred_static_new would (for configuration checks): 0 or -EINVAL. */
int cred_static_check_user(const char *spec);
/* Number of users. */
size_t cred_static_count(const struct cred_static *s);

#endif
