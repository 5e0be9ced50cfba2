/* The credential-store interface (DESIGN.md §2, §4): turn/ asks for a user's long-term key
 * through these ops (and, optionally, a realm's verdict on a peer address); cred/
 * implements them (static users from the configuration, Redis). Lookups are asynchronous:
 * the callback may run inside lookup (a static store) or later on the same worker thread
 * (Redis). A store instance belongs to one worker. */
#ifndef TERN_AUTH_CRED_H
#define TERN_AUTH_CRED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/crypto.h"

struct addr;

/* What a lookup returns: the keys the store can provide. A store that holds passwords
 * provides both; one that holds coturn's hex MD5 keys only the MD5 key. */
struct cred_key {
	bool has_md5;
	uint8_t md5[CRYPTO_MD5_LEN];
	bool has_sha256;
	uint8_t sha256[CRYPTO_SHA256_LEN];
};

/* Per-user and per-realm limits a store may know of (0 = none / use the server's). */
struct cred_limits {
	uint64_t max_bps;
	uint32_t user_quota;
	uint32_t total_quota;
};

/* Most alternative keys one result may carry (TURN REST secrets in rotation). */
#define CRED_KEYS_MAX 8

/* The result of one lookup. status: 0 found; -ENOENT unknown user (→ 401);
 * -EIO store unreachable or failed (→ 500); -ETIMEDOUT no answer in time (→ 500);
 * -EAGAIN too many lookups pending (→ 500).
 * key and limits are borrowed for the duration of the callback. */
struct cred_result {
	int status;
	const struct cred_key *key;
	/* Keys at key: 0 or 1 mean one; more are alternatives (one per TURN REST secret),
	 * each tried until one verifies the request's integrity. At most CRED_KEYS_MAX. */
	size_t nkeys;
	const struct cred_limits *limits;
	/* For a USERHASH lookup: the username found (borrowed), else NULL. */
	const char *user;
	size_t user_len;
	/* The name the user quota counts when it is not the username (borrowed): for a TURN
	 * REST username "<expiry><sep><user>" the user part, so that every credential of
	 * one user shares its quota. NULL: the username itself. */
	const char *quota_user;
	size_t quota_user_len;
};

typedef void (*cred_cb)(void *arg, const struct cred_result *res);

struct cred_query {
	const char *realm; /* borrowed for the duration of lookup() only */
	size_t realm_len;
	const char *user; /* USERNAME bytes, or NULL when userhash is set */
	size_t user_len;
	const uint8_t *userhash; /* 32 bytes of USERHASH (RFC 8489 §14.4), or NULL */
};

struct cred_store_ops {
	/* Starts a lookup; calls cb(arg, ...) exactly once unless it returns < 0 (then never).
	 * Returns 0, or -EAGAIN (too many lookups pending), -EINVAL. Copies what it needs from
	 * q. */
	int (*lookup)(void *impl, const struct cred_query *q, cred_cb cb, void *arg);
	/* Cancels a pending lookup started with this (cb, arg): cb will not be called. */
	void (*cancel)(void *impl, cred_cb cb, void *arg);
	void (*free)(void *impl);
	/* Optional (NULL: the store keeps no peer lists). The realm's own verdict on a peer
	 * address (port ignored): +1 allowed (its allowed-peer-ip), -1 denied (its
	 * denied-peer-ip, when not also allowed), 0 no opinion (the server's policy decides).
	 * Synchronous and cheap: answered from what the store holds now, never waits.
	 * realm and peer are borrowed for the call. */
	int (*peer_verdict)(void *impl, const char *realm, size_t rlen, const struct addr *peer);
};

struct cred_store {
	const struct cred_store_ops *ops;
	void *impl;
};

static inline int cred_lookup(struct cred_store *s, const struct cred_query *q, cred_cb cb,
			      void *arg)
{
	return s->ops->lookup(s->impl, q, cb, arg);
}

/* The store's peer_verdict, or 0 when s is NULL or keeps no peer lists. */
static inline int cred_peer_verdict(struct cred_store *s, const char *realm, size_t rlen,
				    const struct addr *peer)
{
	if (s == NULL || s->ops->peer_verdict == NULL)
		return 0;
	return s->ops->peer_verdict(s->impl, realm, rlen, peer);
}

#endif
