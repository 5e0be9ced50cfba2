/* The Redis connection string (cred/redis_conf.h). */
#include "cred/redis_conf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/codec.h"

enum conf_field {
	F_HOST,
	F_PORT,
	F_DB,
	F_PASSWORD,
	F_USER,
	F_TIMEOUT,
	F_SENTINEL,
	F_MASTER,
	F_SENTINEL_PASSWORD
};

static const struct {
	const char *name;
	enum conf_field f;
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
	{"password", F_PASSWORD},
	{"pwd", F_PASSWORD},
	{"passwd", F_PASSWORD},
	{"secret", F_PASSWORD},
	{"user", F_USER},
	{"uname", F_USER},
	{"name", F_USER},
	{"username", F_USER},
	{"connect_timeout", F_TIMEOUT},
	{"timeout", F_TIMEOUT},
	{"sentinel", F_SENTINEL},
	{"sentinels", F_SENTINEL},
	{"master", F_MASTER},
	{"master_name", F_MASTER},
	{"sentinel_password", F_SENTINEL_PASSWORD},
};

static const char *const field_names[] = {
	[F_HOST] = "ip",
	[F_PORT] = "port",
	[F_DB] = "dbname",
	[F_PASSWORD] = "password",
	[F_USER] = "user",
	[F_TIMEOUT] = "connect_timeout",
	[F_SENTINEL] = "sentinel",
	[F_MASTER] = "master",
	[F_SENTINEL_PASSWORD] = "sentinel_password",
};

static int conf_num(const char *v, size_t n, unsigned long max, unsigned long *out)
{
	uint64_t u;

	if (codec_dec_u64(v, n, max, &u) < 0)
		return -EINVAL;
	*out = (unsigned long)u;
	return 0;
}

static int conf_str(char *dst, const char *v, size_t n)
{
	if (n >= CRED_REDIS_CONF_STR_MAX)
		return -EINVAL;
	memcpy(dst, v, n);
	dst[n] = '\0';
	return 0;
}

int cred_redis_addr_parse(const char *s, size_t n, uint16_t defport, struct cred_redis_addr *out)
{
	const char *host = s, *colon;
	size_t hn = n;
	unsigned long port = defport;

	if (n > 0 && s[0] == '[') {
		const char *close = memchr(s, ']', n);

		if (!close)
			return -EINVAL;
		host = s + 1;
		hn = (size_t)(close - host);
		colon = close + 1 < s + n ? close + 1 : NULL;
		if (colon && *colon != ':')
			return -EINVAL;
	} else {
		colon = memchr(s, ':', n);
		if (colon && memchr(colon + 1, ':', n - (size_t)(colon + 1 - s)))
			colon = NULL; /* a bare IPv6 address */
		if (colon)
			hn = (size_t)(colon - s);
	}
	if (colon && (conf_num(colon + 1, n - (size_t)(colon + 1 - s), 65535, &port) < 0))
		return -EINVAL;
	if (hn == 0 || hn >= sizeof(out->host) || port == 0)
		return -EINVAL;
	memcpy(out->host, host, hn);
	out->host[hn] = '\0';
	out->port = (uint16_t)port;
	return 0;
}

/* The comma-separated sentinel list. 0 or -EINVAL. */
static int conf_sentinels(struct cred_redis_conf *c, const char *v, size_t n)
{
	c->nsentinels = 0;
	while (n > 0) {
		const char *comma = memchr(v, ',', n);
		size_t an = comma ? (size_t)(comma - v) : n;

		if (c->nsentinels == CRED_REDIS_SENTINELS_MAX ||
		    cred_redis_addr_parse(v, an, 26379, &c->sentinel[c->nsentinels]) < 0)
			return -EINVAL;
		c->nsentinels++;
		v += an;
		n -= an;
		if (comma) {
			v++;
			n--;
		}
	}
	return c->nsentinels ? 0 : -EINVAL;
}

/* Stores one value. 0 or -EINVAL with why set. */
static int conf_set(struct cred_redis_conf *c, enum conf_field f, const char *v, size_t n,
		    char *why, size_t len)
{
	unsigned long num;

	switch (f) {
	case F_HOST:
		if (n == 0 || conf_str(c->host, v, n) < 0)
			break;
		return 0;
	case F_PORT:
		if (conf_num(v, n, 65535, &num) < 0 || num == 0)
			break;
		c->port = (uint16_t)num;
		return 0;
	case F_DB:
		if (conf_num(v, n, 1000000, &num) < 0)
			break;
		c->dbname = (unsigned)num;
		return 0;
	case F_PASSWORD:
		if (conf_str(c->password, v, n) < 0)
			break;
		return 0;
	case F_USER:
		if (conf_str(c->user, v, n) < 0)
			break;
		return 0;
	case F_TIMEOUT:
		if (conf_num(v, n, 3600, &num) < 0)
			break;
		c->connect_timeout_s = (unsigned)num;
		return 0;
	case F_SENTINEL:
		if (conf_sentinels(c, v, n) < 0)
			break;
		return 0;
	case F_MASTER:
		if (n == 0 || conf_str(c->master, v, n) < 0)
			break;
		return 0;
	case F_SENTINEL_PASSWORD:
		if (conf_str(c->sentinel_password, v, n) < 0)
			break;
		return 0;
	}
	snprintf(why, len, "bad value for %s", field_names[f]);
	return -EINVAL;
}

static int conf_find(const char *k, size_t n)
{
	for (size_t i = 0; i < sizeof(conf_keys) / sizeof(conf_keys[0]); i++)
		if (strlen(conf_keys[i].name) == n && memcmp(conf_keys[i].name, k, n) == 0)
			return (int)conf_keys[i].f;
	return -ENOENT;
}

/* Appends the unknown key k to why ("unknown key(s): a, b"). */
static void conf_unknown(char *why, size_t len, int *nunknown, const char *k, size_t n)
{
	size_t used = strlen(why);

	if (*nunknown == 0)
		used = (size_t)snprintf(why, len, "unknown key(s):");
	if (used < len)
		snprintf(why + used, len - used, "%s %.*s", *nunknown ? "," : "", (int)n, k);
	(*nunknown)++;
}

int cred_redis_conf_parse(const char *s, struct cred_redis_conf *out, char *why, size_t len)
{
	struct cred_redis_conf c = {.host = "127.0.0.1", .port = 6379, .connect_timeout_s = 5};
	int nunknown = 0;

	why[0] = '\0';
	while (s && *s) {
		size_t n = strcspn(s, " \t\n"), kn;
		const char *eq = memchr(s, '=', n);
		int f;

		if (n == 0) {
			s++;
			continue;
		}
		kn = eq ? (size_t)(eq - s) : n;
		f = conf_find(s, kn);
		if (f < 0 || !eq)
			conf_unknown(why, len, &nunknown, s, kn);
		else if (!nunknown &&
			 conf_set(&c, (enum conf_field)f, eq + 1, n - kn - 1, why, len) < 0)
			return -EINVAL;
		s += n;
	}
	if (nunknown)
		return -EINVAL;
	if (!c.nsentinels != !c.master[0]) {
		snprintf(why, len, "sentinel= and master= go together");
		return -EINVAL;
	}
	*out = c;
	return 0;
}
