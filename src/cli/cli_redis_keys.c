/* The pure half of ternctl's Redis access: coturn's key schema and SCAN patterns. (The
 * connection string is parsed by cred/redis_conf.c, the same code ternd uses.) */
#include "config.h"

#include "cli/cli_redis.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/xmalloc.h"

static char *key_fmt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static char *key_fmt(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		abort();
	return s;
}

char *cli_key_user(const char *realm, const char *user, const char *leaf)
{
	return key_fmt("turn/realm/%s/user/%s/%s", realm, user, leaf);
}

char *cli_key_user_sha256(const char *realm, const char *user)
{
	return key_fmt("tern/realm/%s/user/%s/sha256-key", realm, user);
}

char *cli_key_realm(const char *realm, const char *leaf)
{
	return key_fmt("turn/realm/%s/%s", realm, leaf);
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
