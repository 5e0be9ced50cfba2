/* ternctl cred: mints TURN REST API credentials and prints an RTCIceServer entry. */
#include "config.h"

#include "cli/cli_cred.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auth/rest.h"
#include "base/xmalloc.h"
#include "cli/cli.h"
#include "cli/cli_out.h"
#include "cli/cli_redis.h"

#define CRED_DEFAULT_TTL 86400

int cli_rest_mint(const char *secret, const char *user, char sep, uint64_t expiry, char **username,
		  char **password)
{
	char pass[AUTH_REST_PASS_LEN + 1];
	char *u;

	if (asprintf(&u, "%" PRIu64 "%c%s", expiry, sep, user) < 0)
		return -ENOMEM;
	if (auth_rest_password(secret, strlen(secret), u, strlen(u), pass) < 0) {
		free(u);
		return -EIO;
	}
	*username = u;
	*password = xstrdup(pass);
	return 0;
}

/* The realm's first secret (in byte order) from Redis into *out (malloc'd). */
static int secret_from_redis(struct cli *c, char **out)
{
	struct cli_strv sv = {0};
	char *key;
	int rc = cli_require(c, "r");

	if (rc)
		return rc;
	rc = cli_redis_connect(c, c->o->redis, &c->db);
	if (rc)
		return rc;
	key = cli_key_realm(c->o->realm, CRED_REDIS_SECRET);
	rc = cli_db_members(c, key, &sv);
	free(key);
	if (!rc && sv.n == 0)
		rc = cli_fail(c, CLI_REFUSED,
			      "realm \"%s\" has no shared secret (ternctl secret add)",
			      c->o->realm);
	if (!rc)
		*out = xstrdup(sv.v[0]);
	cli_strv_free(&sv);
	return rc;
}

static void print_ice_server(const struct cli_opts *o, const char *user, const char *pass)
{
	fputs("{\"urls\": [", stdout);
	for (size_t i = 0; i < o->n_urls; i++) {
		if (i)
			fputs(", ", stdout);
		cli_json_str(stdout, o->urls[i]);
	}
	fputs("]", stdout);
	cli_json_kv_str(stdout, 0, "username", user);
	cli_json_kv_str(stdout, 0, "credential", pass);
	fputs("}\n", stdout);
}

static int cred_run(struct cli *c)
{
	const struct cli_opts *o = c->o;
	long long ttl = o->ttl >= 0 ? o->ttl : CRED_DEFAULT_TTL;
	char *secret = NULL, *user = NULL, *pass = NULL;
	int rc = CLI_OK;

	if (o->sep && strlen(o->sep) != 1)
		return cli_fail(c, CLI_USAGE, "--separator takes one character");
	if (o->secret)
		secret = xstrdup(o->secret);
	else
		rc = secret_from_redis(c, &secret);
	if (rc)
		return rc;
	if (cli_rest_mint(secret, o->args[0], o->sep ? o->sep[0] : ':',
			  (uint64_t)time(NULL) + (uint64_t)ttl, &user, &pass))
		rc = cli_fail(c, CLI_REFUSED, "HMAC-SHA1 failed");
	else
		print_ice_server(o, user, pass);
	free(secret);
	free(user);
	free(pass);
	return rc;
}

static const struct cli_verb cred_verbs[] = {
	{NULL,
	 "USER [--ttl SECONDS] [--secret SECRET | -r REALM] [--url URL]... "
	 "[--separator C]",
	 "tsrUCNh", false, 1, "USER", cred_run,
	 "Mints TURN REST API credentials for USER and prints an RTCIceServer entry:\n"
	 "{\"urls\": [URL...], \"username\": \"EXPIRY:USER\", \"credential\": \"...\"}, where\n"
	 "EXPIRY = now + TTL (Unix time) and credential = base64(HMAC-SHA1(SECRET, username)).\n"
	 "Without --secret the secret is the realm's first (bytewise) in Redis.\n\n"
	 "      --ttl=SECONDS     lifetime (default 86400)\n"
	 "  -s, --secret=SECRET   shared secret (ternd's static-auth-secret)\n"
	 "  -r, --realm=REALM     take the secret from turn/realm/REALM/secret\n"
	 "      --url=URL         e.g. turn:turn.example.org:3478 (repeatable)\n"
	 "      --separator=C     between expiry and user (default ':')\n"},
};

const struct cli_group cli_cred_group = {
	"cred",
	"mint TURN REST API credentials (an iceServers entry)",
	cred_verbs,
	1,
};
