/* The Redis key schema and invalidation channel (DESIGN.md §4), shared by ternd's Redis store
 * and ternctl so that both spell every name one way. coturn's keys:
 *   turn/realm/<realm>/user/<user>/key         hex MD5 key (string; turnadmin -a)
 *   turn/realm/<realm>/user/<user>/password    coturn's plaintext password (ternctl only
 *                                              deletes it)
 *   turn/realm/<realm>/secret                  SET of TURN REST shared secrets
 *   turn/realm/<realm>/max-bps, .../user-quota, .../total-quota   integers
 *   turn/realm/<realm>/allowed-peer-ip, .../denied-peer-ip        SETs of peer ranges
 * and Tern's own:
 *   tern/realm/<realm>/user/<user>/sha256-key  hex SHA-256 key (PASSWORD-ALGORITHM SHA-256)
 *   tern/realm/<realm>/userhash/<hex>          the user's name (string); <hex> is the
 *                                              lowercase hex of USERHASH = SHA-256(user ":"
 *                                              realm) (RFC 8489 §14.4): the USERHASH index
 *   tern/invalidate                            channel: "<realm>/<user>", "<realm>" or "*"
 * Realm and user names are bytes (lengths given); the builders copy them as they are. */
#ifndef TERN_CRED_REDIS_KEYS_H
#define TERN_CRED_REDIS_KEYS_H

#include <stddef.h>
#include <stdint.h>

#define CRED_REDIS_CHANNEL "tern/invalidate"

/* The realm prefix of coturn's keys, and "/user/" between realm and user. */
#define CRED_REDIS_REALM_PREFIX "turn/realm/"
#define CRED_REDIS_USER_INFIX	"/user/"

/* Leaves under turn/realm/<realm>/user/<user>/ (SHA256 under tern/…). */
#define CRED_REDIS_KEY	    "key"
#define CRED_REDIS_PASSWORD "password"
#define CRED_REDIS_SHA256   "sha256-key"
/* Leaves under turn/realm/<realm>/. */
#define CRED_REDIS_SECRET      "secret"
#define CRED_REDIS_MAX_BPS     "max-bps"
#define CRED_REDIS_USER_QUOTA  "user-quota"
#define CRED_REDIS_TOTAL_QUOTA "total-quota"
#define CRED_REDIS_ALLOWED     "allowed-peer-ip"
#define CRED_REDIS_DENIED      "denied-peer-ip"
/* Tern's USERHASH index: tern/realm/<realm>/userhash/<hex>. */
#define CRED_REDIS_USERHASH	"userhash"
#define CRED_REDIS_USERHASH_LEN 32

/* A realm, and a user in it (user NULL for realm keys), as bytes; borrowed. */
struct cred_redis_name {
	const char *realm;
	size_t rlen;
	const char *user;
	size_t ulen;
};

/* Writes the key of leaf for n into buf (cap bytes, NUL-terminated): with n->user,
 * "turn/realm/<realm>/user/<user>/<leaf>" (CRED_REDIS_SHA256: "tern/realm/…"); without,
 * "turn/realm/<realm>/<leaf>". Returns the key's length, or -ENOSPC (buf untouched). */
int cred_redis_key(char *buf, size_t cap, const struct cred_redis_name *n, const char *leaf);
/* Writes the USERHASH index key of hash (CRED_REDIS_USERHASH_LEN bytes) in realm (rlen
 * bytes) into buf (cap bytes, NUL-terminated): "tern/realm/<realm>/userhash/<64 lowercase
 * hex digits>". Returns its length, or -ENOSPC (buf untouched). */
int cred_redis_key_userhash(char *buf, size_t cap, const char *realm, size_t rlen,
			    const uint8_t *hash);
/* Writes the invalidation message for n into buf (cap bytes, NUL-terminated): "<realm>" or,
 * with n->user, "<realm>/<user>". Returns its length, or -ENOSPC (buf untouched). */
int cred_redis_key_inval(char *buf, size_t cap, const struct cred_redis_name *n);

#endif
