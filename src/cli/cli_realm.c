/* ternctl realm: per-realm options as coturn keeps them, plain integers under
 * turn/realm/REALM/{max-bps,user-quota,total-quota} (turnadmin -g / -G). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cli_out.h"
#include "cli/cli_redis.h"

static const char *const realm_opts[] = {CRED_REDIS_MAX_BPS, CRED_REDIS_USER_QUOTA,
					 CRED_REDIS_TOTAL_QUOTA};
#define N_REALM_OPTS (sizeof(realm_opts) / sizeof(realm_opts[0]))

static void opt_values(const struct cli_opts *o, long long v[N_REALM_OPTS])
{
	v[0] = o->max_bps;
	v[1] = o->user_quota;
	v[2] = o->total_quota;
}

/* Sets (or, for 0, deletes: coturn's convention) one option. */
static int realm_set_one(struct cli *c, const char *opt, long long v)
{
	char *key = cli_key_realm(c->o->realm, opt);
	char num[24];
	int rc;

	snprintf(num, sizeof(num), "%lld", v);
	if (v > 0)
		rc = cli_db_ok(c, CLI_ARGV("SET", key, num));
	else
		rc = cli_db_ok(c, CLI_ARGV("DEL", key));
	free(key);
	return rc;
}

static int realm_set(struct cli *c)
{
	long long v[N_REALM_OPTS];
	int any = 0, rc = cli_require(c, "r");

	if (rc)
		return rc;
	opt_values(c->o, v);
	for (size_t i = 0; i < N_REALM_OPTS && !rc; i++) {
		if (v[i] < 0)
			continue;
		any = 1;
		rc = realm_set_one(c, realm_opts[i], v[i]);
	}
	if (!any)
		return cli_fail(c, CLI_USAGE,
				"nothing to set: give --max-bps, --user-quota or "
				"--total-quota (try 'ternctl realm set --help')");
	return rc ? rc : cli_db_invalidate(c, c->o->realm, NULL);
}

/* Reads one option into *v (-1 when unset). */
static int realm_get_one(struct cli *c, const char *opt, long long *v)
{
	char *key = cli_key_realm(c->o->realm, opt), *s = NULL;
	int rc = cli_db_get(c, &s, CLI_ARGV("GET", key));

	*v = -1;
	if (!rc && s && cli_parse_count(s, v) < 0)
		rc = cli_fail(c, CLI_REFUSED, "%s holds \"%s\", not a count", key, s);
	free(s);
	free(key);
	return rc;
}

static int realm_show(struct cli *c)
{
	long long v[N_REALM_OPTS];
	int rc = cli_require(c, "r");

	for (size_t i = 0; i < N_REALM_OPTS && !rc; i++)
		rc = realm_get_one(c, realm_opts[i], &v[i]);
	if (rc)
		return rc;
	if (c->o->json) {
		fputs("{", stdout);
		cli_json_kv_str(stdout, 1, "realm", c->o->realm);
		for (size_t i = 0; i < N_REALM_OPTS; i++)
			cli_json_kv_num(stdout, 0, realm_opts[i], v[i]);
		fputs("}\n", stdout);
		return CLI_OK;
	}
	for (size_t i = 0; i < N_REALM_OPTS; i++)
		if (v[i] >= 0)
			printf("%s/%s = %lld\n", c->o->realm, realm_opts[i], v[i]);
	return CLI_OK;
}

static const struct cli_verb realm_verbs[] = {
	{"set", "-r REALM [--max-bps N] [--user-quota N] [--total-quota N]", "rbqQNh", true, 0,
	 NULL, realm_set,
	 "Sets realm options (turnadmin -g), stored as integers under\n"
	 "turn/realm/REALM/max-bps, .../user-quota, .../total-quota. 0 removes an option.\n\n"
	 "  -r, --realm=REALM\n"
	 "      --max-bps=N       bandwidth per session, bytes per second\n"
	 "      --user-quota=N    allocations per user\n"
	 "      --total-quota=N   allocations in total\n"},
	{"show", "-r REALM [--json]", "rjNh", true, 0, NULL, realm_show,
	 "Shows the realm's options (turnadmin -G): \"REALM/OPTION = N\" per set option, or\n"
	 "with --json {\"realm\": ..., \"max-bps\": N|null, \"user-quota\": ..., "
	 "\"total-quota\": ...}.\n\n"
	 "  -r, --realm=REALM\n      --json\n"},
};

const struct cli_group cli_realm_group = {
	"realm",
	"per-realm options in Redis",
	realm_verbs,
	sizeof(realm_verbs) / sizeof(realm_verbs[0]),
};
