/* The pure half of ternctl's Redis access: keys and SCAN patterns (cred/redis_keys.h). (The
 * connection string is parsed by cred/redis_conf.c, the same code ternd uses.) */
#include "config.h"

#include "cli/cli_redis.h"

#include <stdlib.h>
#include <string.h>

#include "base/xmalloc.h"
#include "cred/redis_keys.h"

/* The key of leaf for realm (and user, when not NULL), malloc'd; the schema is
 * cred/redis_keys.h's, the same ternd reads. */
static char *key_new(const char *realm, const char *user, const char *leaf)
{
	struct cred_redis_name n = {realm, strlen(realm), user, user ? strlen(user) : 0};
	size_t cap = n.rlen + n.ulen + strlen(leaf) + 32;
	char *s = xmalloc(cap);

	if (cred_redis_key(s, cap, &n, leaf) < 0)
		abort();
	return s;
}

char *cli_key_user(const char *realm, const char *user, const char *leaf)
{
	return key_new(realm, user, leaf);
}

char *cli_key_realm(const char *realm, const char *leaf)
{
	return key_new(realm, NULL, leaf);
}

char *cli_glob_escape(const char *s)
{
	char *out = xmalloc(2 * strlen(s) + 1), *w = out;

	for (; *s; s++) {
		if (strchr("*?[]\\", *s))
			*w++ = '\\';
		*w++ = *s;
	}
	*w = '\0';
	return out;
}
