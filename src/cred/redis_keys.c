/* The Redis key schema (cred/redis_keys.h). Pure: no hiredis, no allocation. */
#include "cred/redis_keys.h"

#include <errno.h>
#include <limits.h>
#include <string.h>

/* Joins n parts into buf (cap bytes, NUL-terminated). Length or -ENOSPC. */
static int keys_join(char *buf, size_t cap, const char *const *parts, const size_t *lens, size_t n)
{
	size_t used = 0;

	for (size_t i = 0; i < n; i++)
		used += lens[i];
	if (used >= cap || used > (size_t)INT_MAX)
		return -ENOSPC;
	used = 0;
	for (size_t i = 0; i < n; i++) {
		memcpy(buf + used, parts[i], lens[i]);
		used += lens[i];
	}
	buf[used] = '\0';
	return (int)used;
}

int cred_redis_key(char *buf, size_t cap, const struct cred_redis_name *n, const char *leaf)
{
	const char *pre = CRED_REDIS_REALM_PREFIX;
	const char *parts[6];
	size_t lens[6], k = 0;

	if (n->user && strcmp(leaf, CRED_REDIS_SHA256) == 0)
		pre = "tern/realm/";
	parts[k] = pre, lens[k++] = strlen(pre);
	parts[k] = n->realm, lens[k++] = n->rlen;
	if (n->user) {
		parts[k] = CRED_REDIS_USER_INFIX, lens[k++] = strlen(CRED_REDIS_USER_INFIX);
		parts[k] = n->user, lens[k++] = n->ulen;
	}
	parts[k] = "/", lens[k++] = 1;
	parts[k] = leaf, lens[k++] = strlen(leaf);
	return keys_join(buf, cap, parts, lens, k);
}

int cred_redis_key_inval(char *buf, size_t cap, const struct cred_redis_name *n)
{
	const char *parts[3] = {n->realm, "/", n->user};
	size_t lens[3] = {n->rlen, 1, n->ulen};

	return keys_join(buf, cap, parts, lens, n->user ? 3 : 1);
}

int cred_redis_key_userhash(char *buf, size_t cap, const char *realm, size_t rlen,
			    const uint8_t *hash)
{
	static const char digits[] = "0123456789abcdef";
	char hex[2 * CRED_REDIS_USERHASH_LEN];
	const char *parts[4] = {"tern/realm/", realm, "/" CRED_REDIS_USERHASH "/", hex};
	size_t lens[4] = {sizeof("tern/realm/") - 1, rlen, sizeof("/" CRED_REDIS_USERHASH "/") - 1,
			  sizeof(hex)};

	for (size_t i = 0; i < CRED_REDIS_USERHASH_LEN; i++) {
		hex[2 * i] = digits[hash[i] >> 4];
		hex[2 * i + 1] = digits[hash[i] & 15];
	}
	return keys_join(buf, cap, parts, lens, 4);
}
