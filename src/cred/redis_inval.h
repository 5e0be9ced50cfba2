/* What a changed Redis key invalidates (DESIGN.md §4): the key names of Redis's
 * server-assisted client-side caching (__redis__:invalidate, BCAST on the prefixes
 * CRED_REDIS_TRACK_PREFIXES) mapped to the drops a worker's cache and peer lists need:
 *   turn/realm/<R>/user/<U>/key, .../password, tern/realm/<R>/user/<U>/sha256-key
 *                                                  the user (R, U)
 *   turn/realm/<R>/secret, max-bps, user-quota, total-quota   the realm R (and its users)
 *   turn/realm/<R>/allowed-peer-ip, denied-peer-ip            R's peer lists
 *   any other key under turn/realm/ or tern/realm/            the realm, every reading
 *   any other key under turn/ (coturn's turn/secret/...)      everything
 * Realm and user names may contain '/' (and "/user/"): every reading of an ambiguous key
 * is dropped; dropping too much only costs a lookup. Tern's own channel's messages are
 * mapped here too. Pure: no I/O, no logging. */
#ifndef TERN_CRED_REDIS_INVAL_H
#define TERN_CRED_REDIS_INVAL_H

#include <stddef.h>

/* The prefixes tracked; tern/ keys outside tern/realm/ (e.g. counters written often) feed
 * no cache, so they are not tracked. */
#define CRED_REDIS_TRACK_PREFIX_TURN "turn/"
#define CRED_REDIS_TRACK_PREFIX_TERN "tern/realm/"

/* The drops; names borrowed for the call. */
struct cred_redis_inval_ops {
	void (*user)(void *arg, const char *realm, size_t rlen, const char *user, size_t ulen);
	void (*realm)(void *arg, const char *realm, size_t rlen);
	void (*peers)(void *arg, const char *realm, size_t rlen);
	void (*all)(void *arg);
	/* Every cached answer (peer lists kept): tracking has just begun. */
	void (*answers)(void *arg);
};

/* Calls ops for what key (len bytes, borrowed) invalidates; keys outside the tracked
 * prefixes call nothing. */
void cred_redis_inval_key(const char *key, size_t len, const struct cred_redis_inval_ops *ops,
			  void *arg);

/* Calls ops for a message of Tern's channel (CRED_REDIS_CHANNEL, cred/redis_keys.h): "*"
 * everything; "<realm>" the realm and its peer lists; "<realm>/<user>" the user, read at
 * every '/', and the whole as a realm. */
void cred_redis_inval_msg(const char *msg, size_t len, const struct cred_redis_inval_ops *ops,
			  void *arg);

#endif
