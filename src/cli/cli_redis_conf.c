/* The pure half of ternctl's Redis access: coturn's connection string and the key
 * schema. */
#include "config.h"

#include "cli/cli_redis.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/xmalloc.h"

enum conf_field { F_HOST, F_PORT, F_DB, F_USER, F_PASS, F_TIMEOUT };

/* coturn's key names and their synonyms (dbd_redis.c RyconninfoParse). */
static const struct {
	const char *name;
	enum conf_field field;
} conf_keys[] = {
	{"ip", F_HOST},
	{"host", F_HOST},
	{"addr", F_HOST},
	{"ipaddr", F_HOST},
	{"hostaddr", F_HOST},
	{"port", F_PORT},
	{"p", F_PORT},
	{"dbname", F_DB},
	{"db", F_DB},
	{"database", F_DB},
	{"user", F_USER},
	{"uname", F_USER},
	{"name", F_USER},
	{"username", F_USER},
	{"password", F_PASS},
	{"pwd", F_PASS},
	{"passwd", F_PASS},
	{"secret", F_PASS},
	{"connect_timeout", F_TIMEOUT},
	{"timeout", F_TIMEOUT},
};

static int conf_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int conf_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static int conf_int(const char *v, long lo, long hi, int *out)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(v, &end, 10);
	if (errno || end == v || *end || n < lo || n > hi)
		return -EINVAL;
	*out = (int)n;
	return 0;
}

static int conf_str(const char *v, size_t len, char *dst, size_t cap)
{
	if (len >= cap)
		return -EINVAL;
	memcpy(dst, v, len);
	dst[len] = '\0';
	return 0;
}

/* Applies one "key=value" pair (not NUL-terminated: kv[0..len)). */
static int conf_pair(const char *kv, size_t len, struct cli_redis_conf *c, char *err, size_t errlen)
{
	const char *eq = memchr(kv, '=', len);
	char val[256];
	size_t klen, vlen;

	if (!eq)
		return conf_err(err, errlen, "\"%.*s\" is not key=value", (int)len, kv);
	klen = (size_t)(eq - kv);
	vlen = len - klen - 1;
	if (conf_str(eq + 1, vlen, val, sizeof(val)))
		return conf_err(err, errlen, "value of \"%.*s\" too long", (int)klen, kv);
	for (size_t i = 0; i < sizeof(conf_keys) / sizeof(conf_keys[0]); i++) {
		if (strlen(conf_keys[i].name) != klen || memcmp(conf_keys[i].name, kv, klen))
			continue;
		switch (conf_keys[i].field) {
		case F_HOST:
			return conf_str(val, vlen, c->host, sizeof(c->host));
		case F_USER:
			return conf_str(val, vlen, c->user, sizeof(c->user));
		case F_PASS:
			return conf_str(val, vlen, c->pass, sizeof(c->pass));
		case F_PORT:
			if (conf_int(val, 1, 65535, &c->port) == 0)
				return 0;
			return conf_err(err, errlen, "bad port \"%s\"", val);
		case F_DB:
			if (conf_int(val, 0, 1L << 20, &c->db) == 0)
				return 0;
			return conf_err(err, errlen, "bad dbname \"%s\"", val);
		case F_TIMEOUT:
			if (conf_int(val, 0, 3600, &c->timeout_s) == 0)
				return 0;
			return conf_err(err, errlen, "bad connect_timeout \"%s\"", val);
		}
	}
	return conf_err(err, errlen, "unknown key \"%.*s\"", (int)klen, kv);
}

int cli_redis_conf_parse(const char *s, struct cli_redis_conf *out, char *err, size_t errlen)
{
	struct cli_redis_conf c = {.port = 6379, .db = 0, .timeout_s = 5};
	int rc;

	while (*s) {
		size_t len;

		s += strspn(s, " \t");
		len = strcspn(s, " \t");
		if (len == 0)
			break;
		rc = conf_pair(s, len, &c, err, errlen);
		if (rc)
			return rc;
		s += len;
	}
	if (!c.host[0])
		strcpy(c.host, "127.0.0.1");
	*out = c;
	return 0;
}

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
