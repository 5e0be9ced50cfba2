/* ternctl user: long-term credential users in Redis, as coturn's turnadmin keeps them
 * (turn/realm/R/user/U/key = hex MD5 key), plus Tern's SHA-256 key
 * (tern/realm/R/user/U/sha256-key) and USERHASH index entry
 * (tern/realm/R/userhash/<hex SHA-256("U:R")> = U, RFC 8489 §14.4). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/key.h"
#include "base/codec.h"
#include "base/xmalloc.h"
#include "cli/cli.h"
#include "cli/cli_out.h"
#include "cli/cli_redis.h"

/* The user's USERHASH index key (cred/redis_keys.h), malloc'd; NULL when hashing failed. */
static char *key_userhash(const char *realm, const char *user)
{
	uint8_t h[CRED_REDIS_USERHASH_LEN];
	size_t cap = strlen(realm) + 2 * sizeof(h) + 32;
	char *s;

	if (auth_userhash(user, strlen(user), realm, strlen(realm), h) < 0)
		return NULL;
	s = xmalloc(cap);
	if (cred_redis_key_userhash(s, cap, realm, strlen(realm), h) < 0)
		abort();
	return s;
}

/* Writes both keys and the USERHASH index entry, and drops a plaintext password key coturn may have
 * stored. */
static int user_write(struct cli *c)
{
	const struct cli_opts *o = c->o;
	char md5[2 * AUTH_KEY_MAX + 1], sha[2 * AUTH_KEY_MAX + 1];
	uint8_t key[AUTH_KEY_MAX];
	char *k_md5 = cli_key_user(o->realm, o->user, CRED_REDIS_KEY);
	char *k_pw = cli_key_user(o->realm, o->user, CRED_REDIS_PASSWORD);
	char *k_sha = cli_key_user(o->realm, o->user, CRED_REDIS_SHA256);
	char *k_hash = key_userhash(o->realm, o->user);
	int n = -1, rc = CLI_REFUSED;

	if (k_hash)
		n = auth_key_derive(AUTH_KEY_MD5, o->user, strlen(o->user), o->realm,
				    strlen(o->realm), o->pass, strlen(o->pass), key);
	if (n < 0)
		goto out;
	codec_hex(key, (size_t)n, md5);
	n = auth_key_derive(AUTH_KEY_SHA256, o->user, strlen(o->user), o->realm, strlen(o->realm),
			    o->pass, strlen(o->pass), key);
	if (n < 0)
		goto out;
	codec_hex(key, (size_t)n, sha);
	rc = cli_db_ok(c, CLI_ARGV("MULTI"));
	if (!rc)
		rc = cli_db_ok(c, CLI_ARGV("SET", k_md5, md5));
	if (!rc)
		rc = cli_db_ok(c, CLI_ARGV("SET", k_sha, sha));
	if (!rc)
		rc = cli_db_ok(c, CLI_ARGV("SET", k_hash, o->user));
	if (!rc)
		rc = cli_db_ok(c, CLI_ARGV("DEL", k_pw));
	if (!rc)
		rc = cli_db_exec(c);
	if (!rc)
		rc = cli_db_invalidate(c, o->realm, o->user);
out:
	if (n < 0)
		cli_fail(c, rc, "key derivation failed");
	free(k_md5);
	free(k_pw);
	free(k_sha);
	free(k_hash);
	return rc;
}

static int user_add(struct cli *c)
{
	int rc = cli_require(c, "urp");

	return rc ? rc : user_write(c);
}

/* Sets *exists when the user has a key (or a coturn plaintext password). */
static int user_exists(struct cli *c, int *exists)
{
	char *k_md5 = cli_key_user(c->o->realm, c->o->user, CRED_REDIS_KEY);
	char *k_pw = cli_key_user(c->o->realm, c->o->user, CRED_REDIS_PASSWORD);
	long long n = 0;
	int rc = cli_db_int(c, &n, CLI_ARGV("EXISTS", k_md5, k_pw));

	*exists = n > 0;
	free(k_md5);
	free(k_pw);
	return rc;
}

static int user_passwd(struct cli *c)
{
	int exists, rc = cli_require(c, "urp");

	if (!rc)
		rc = user_exists(c, &exists);
	if (rc)
		return rc;
	if (!exists)
		return cli_fail(c, CLI_REFUSED, "no user \"%s\" in realm \"%s\"", c->o->user,
				c->o->realm);
	return user_write(c);
}

static int user_del(struct cli *c)
{
	const struct cli_opts *o = c->o;
	char *k_md5, *k_pw, *k_sha, *k_hash;
	long long n = 0, m = 0;
	int rc = cli_require(c, "ur");

	if (rc)
		return rc;
	k_md5 = cli_key_user(o->realm, o->user, CRED_REDIS_KEY);
	k_pw = cli_key_user(o->realm, o->user, CRED_REDIS_PASSWORD);
	k_sha = cli_key_user(o->realm, o->user, CRED_REDIS_SHA256);
	k_hash = key_userhash(o->realm, o->user);
	rc = cli_db_int(c, &n, CLI_ARGV("DEL", k_md5, k_pw, k_sha));
	/* The index entry goes too, also a stale one left without the user's keys. */
	if (!rc && k_hash)
		rc = cli_db_int(c, &m, CLI_ARGV("DEL", k_hash));
	free(k_md5);
	free(k_pw);
	free(k_sha);
	free(k_hash);
	if (!rc && n > 0)
		rc = cli_db_invalidate(c, o->realm, o->user);
	if (!rc && n == 0)
		rc = cli_fail(c, CLI_REFUSED, "no user \"%s\" in realm \"%s\"", o->user, o->realm);
	return rc;
}

/* Splits key "turn/realm/R/user/U/key" into R and U (in place). With realm known, U is
 * everything between the prefix and "/key"; otherwise R ends at the first "/user/".
 * Returns 0 or -EINVAL (not a user key). */
static int split_user_key(char *k, const char *realm, char **r, char **u)
{
	static const char pre[] = CRED_REDIS_REALM_PREFIX, suf[] = "/" CRED_REDIS_KEY;
	size_t len = strlen(k), rlen;
	char *sep;

	if (len < sizeof(pre) - 1 + sizeof(suf) - 1 || strncmp(k, pre, sizeof(pre) - 1) ||
	    strcmp(k + len - (sizeof(suf) - 1), suf))
		return -EINVAL;
	k[len - (sizeof(suf) - 1)] = '\0';
	*r = k + sizeof(pre) - 1;
	rlen = realm ? strlen(realm) : 0;
	if (realm && strncmp(*r, realm, rlen) == 0 &&
	    strncmp(*r + rlen, CRED_REDIS_USER_INFIX, 6) == 0)
		sep = *r + rlen;
	else if (realm || !(sep = strstr(*r, CRED_REDIS_USER_INFIX)))
		return -EINVAL;
	*sep = '\0';
	*u = sep + 6;
	return 0;
}

static void print_users(const struct cli *c, struct cli_strv *keys)
{
	int first = 1;
	char *r, *u;

	if (c->o->json)
		fputs("[", stdout);
	for (size_t i = 0; i < keys->n; i++) {
		if (split_user_key(keys->v[i], c->o->realm, &r, &u))
			continue;
		if (!c->o->json) {
			printf("%s[%s]\n", u, r);
			continue;
		}
		fputs(first ? "\n  {" : ",\n  {", stdout);
		cli_json_kv_str(stdout, 1, "realm", r);
		cli_json_kv_str(stdout, 0, "user", u);
		fputs("}", stdout);
		first = 0;
	}
	if (c->o->json)
		fputs(first ? "]\n" : "\n]\n", stdout);
}

static int user_list(struct cli *c)
{
	struct cli_strv keys = {0};
	char *esc = c->o->realm ? cli_glob_escape(c->o->realm) : NULL;
	char *pat = cli_key_user(esc ? esc : "*", "*", CRED_REDIS_KEY);
	int rc = cli_db_scan(c, pat, &keys);

	if (!rc)
		print_users(c, &keys);
	cli_strv_free(&keys);
	free(pat);
	free(esc);
	return rc;
}

/* Writes the USERHASH index entry of every user found (users other writers stored). */
static int user_reindex(struct cli *c)
{
	struct cli_strv keys = {0};
	char *esc = c->o->realm ? cli_glob_escape(c->o->realm) : NULL;
	char *pat = cli_key_user(esc ? esc : "*", "*", CRED_REDIS_KEY);
	int rc = cli_db_scan(c, pat, &keys);
	size_t n = 0;
	char *r, *u, *k;

	for (size_t i = 0; !rc && i < keys.n; i++) {
		if (split_user_key(keys.v[i], c->o->realm, &r, &u))
			continue;
		k = key_userhash(r, u);
		rc = k ? cli_db_ok(c, CLI_ARGV("SET", k, u))
		       : cli_fail(c, CLI_REFUSED, "hash failed");
		n += !rc;
		free(k);
	}
	if (!rc)
		printf("%zu users indexed\n", n);
	cli_strv_free(&keys);
	free(pat);
	free(esc);
	return rc;
}

#define REDIS_OPT "N"

static const struct cli_verb user_verbs[] = {
	{"add", "-u USER -p PASSWORD -r REALM", "upr" REDIS_OPT "h", true, 0, NULL, user_add,
	 "Adds the user, or replaces its password (turnadmin -a). Stores the hex MD5 key\n"
	 "under turn/realm/REALM/user/USER/key, the SHA-256 key under\n"
	 "tern/realm/REALM/user/USER/sha256-key and USER under the USERHASH index key\n"
	 "tern/realm/REALM/userhash/HEX (HEX: SHA-256 of \"USER:REALM\", RFC 8489 14.4);\n"
	 "no plaintext password is stored.\n\n"
	 "  -u, --user=USER\n  -p, --password=PASSWORD\n  -r, --realm=REALM\n"},
	{"del", "-u USER -r REALM", "ur" REDIS_OPT "h", true, 0, NULL, user_del,
	 "Deletes the user (turnadmin -d) and its USERHASH index entry. Exit 1 when there\n"
	 "is no such user.\n\n"
	 "  -u, --user=USER\n  -r, --realm=REALM\n"},
	{"list", "[-r REALM] [--json]", "rj" REDIS_OPT "h", true, 0, NULL, user_list,
	 "Lists users (turnadmin -l), one \"USER[REALM]\" per line, sorted, or with --json\n"
	 "an array of {\"realm\": ..., \"user\": ...}. Uses SCAN.\n\n"
	 "  -r, --realm=REALM   only this realm\n      --json\n"},
	{"reindex", "[-r REALM]", "r" REDIS_OPT "h", true, 0, NULL, user_reindex,
	 "Writes the USERHASH index entry (tern/realm/REALM/userhash/HEX = USER) of every\n"
	 "user, e.g. after turnadmin -a or another writer added users without it. Uses SCAN.\n\n"
	 "  -r, --realm=REALM   only this realm\n"},
	{"passwd", "-u USER -p NEWPASSWORD -r REALM", "upr" REDIS_OPT "h", true, 0, NULL,
	 user_passwd,
	 "Changes an existing user's password. Exit 1 when there is no such user.\n\n"
	 "  -u, --user=USER\n  -p, --password=NEWPASSWORD\n  -r, --realm=REALM\n"},
};

const struct cli_group cli_user_group = {
	"user",
	"long-term credential users in Redis",
	user_verbs,
	sizeof(user_verbs) / sizeof(user_verbs[0]),
};
