/* ternctl secret: TURN REST shared secrets, the set turn/realm/REALM/secret (coturn's
 * turnadmin -s / -S / -X). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cli_out.h"
#include "cli/cli_redis.h"

/* SADD or SREM the secret; not_found is the message when SREM removed nothing. */
static int secret_change(struct cli *c, const char *cmd)
{
	char *key;
	long long n = 0;
	int rc = cli_require(c, "sr");

	if (rc)
		return rc;
	key = cli_key_realm(c->o->realm, CRED_REDIS_SECRET);
	rc = cli_db_int(c, &n, CLI_ARGV(cmd, key, c->o->secret));
	free(key);
	if (!rc && n > 0)
		rc = cli_db_invalidate(c, c->o->realm, NULL);
	if (!rc && n == 0 && strcmp(cmd, "SREM") == 0)
		rc = cli_fail(c, CLI_REFUSED, "no such secret in realm \"%s\"", c->o->realm);
	return rc;
}

static int secret_add(struct cli *c)
{
	return secret_change(c, "SADD");
}

static int secret_del(struct cli *c)
{
	return secret_change(c, "SREM");
}

static void print_secrets(const struct cli *c, const char *realm, const struct cli_strv *sv,
			  int *first)
{
	for (size_t i = 0; i < sv->n; i++) {
		if (!c->o->json) {
			printf("%s[%s]\n", sv->v[i], realm);
			continue;
		}
		fputs(*first ? "\n  {" : ",\n  {", stdout);
		cli_json_kv_str(stdout, 1, "realm", realm);
		cli_json_kv_str(stdout, 0, "secret", sv->v[i]);
		fputs("}", stdout);
		*first = 0;
	}
}

/* The realm of key "turn/realm/R/secret" (in place), or NULL. */
static char *secret_key_realm(char *k)
{
	static const char pre[] = CRED_REDIS_REALM_PREFIX, suf[] = "/" CRED_REDIS_SECRET;
	size_t len = strlen(k);

	if (len <= sizeof(pre) - 1 + sizeof(suf) - 1 || strncmp(k, pre, sizeof(pre) - 1) ||
	    strcmp(k + len - (sizeof(suf) - 1), suf))
		return NULL;
	k[len - (sizeof(suf) - 1)] = '\0';
	return k + sizeof(pre) - 1;
}

static int list_realm(struct cli *c, const char *realm, int *first)
{
	struct cli_strv sv = {0};
	char *key = cli_key_realm(realm, CRED_REDIS_SECRET);
	int rc = cli_db_members(c, key, &sv);

	if (!rc)
		print_secrets(c, realm, &sv, first);
	cli_strv_free(&sv);
	free(key);
	return rc;
}

static int secret_list(struct cli *c)
{
	struct cli_strv keys = {0};
	char *pat = NULL, *realm;
	int first = 1, rc = CLI_OK;

	if (!c->o->realm) {
		pat = cli_key_realm("*", CRED_REDIS_SECRET);
		rc = cli_db_scan(c, pat, &keys);
	}
	if (c->o->json)
		fputs("[", stdout);
	if (!rc && c->o->realm)
		rc = list_realm(c, c->o->realm, &first);
	for (size_t i = 0; !rc && i < keys.n; i++)
		if ((realm = secret_key_realm(keys.v[i])))
			rc = list_realm(c, realm, &first);
	if (c->o->json)
		fputs(first ? "]\n" : "\n]\n", stdout);
	cli_strv_free(&keys);
	free(pat);
	return rc;
}

static const struct cli_verb secret_verbs[] = {
	{"add", "-s SECRET -r REALM", "srNh", true, 0, NULL, secret_add,
	 "Adds a TURN REST shared secret to the set turn/realm/REALM/secret (turnadmin -s).\n"
	 "A realm may hold several secrets (rotation).\n\n"
	 "  -s, --secret=SECRET\n  -r, --realm=REALM\n"},
	{"del", "-s SECRET -r REALM", "srNh", true, 0, NULL, secret_del,
	 "Removes a shared secret (turnadmin -X). Exit 1 when the realm has no such secret.\n\n"
	 "  -s, --secret=SECRET\n  -r, --realm=REALM\n"},
	{"list", "[-r REALM] [--json]", "rjNh", true, 0, NULL, secret_list,
	 "Lists shared secrets (turnadmin -S), one \"SECRET[REALM]\" per line, or with\n"
	 "--json an array of {\"realm\": ..., \"secret\": ...}. Uses SCAN.\n\n"
	 "  -r, --realm=REALM   only this realm\n      --json\n"},
};

const struct cli_group cli_secret_group = {
	"secret",
	"TURN REST shared secrets in Redis",
	secret_verbs,
	sizeof(secret_verbs) / sizeof(secret_verbs[0]),
};
