/* ternctl peer: per-realm peer address lists, the sets
 * turn/realm/REALM/allowed-peer-ip and turn/realm/REALM/denied-peer-ip. Ranges are
 * validated with iprange_parse and stored in coturn's form ("a.b.c.d" or "first-last"). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/iprange.h"
#include "cli/cli.h"
#include "cli/cli_out.h"
#include "cli/cli_redis.h"

#define PEER_STR_MAX 100

/* Parses the RANGE argument into its stored form. */
static int peer_range(struct cli *c, char out[PEER_STR_MAX])
{
	struct iprange r;

	if (iprange_parse(c->o->args[0], &r))
		return cli_fail(c, CLI_USAGE,
				"bad RANGE \"%s\": want an address, CIDR prefix or "
				"first-last",
				c->o->args[0]);
	iprange_to_str(&r, out, PEER_STR_MAX);
	return CLI_OK;
}

static int peer_change(struct cli *c, const char *cmd, const char *leaf)
{
	char range[PEER_STR_MAX], *key;
	long long n = 0, n2 = 0;
	int rc = cli_require(c, "r");

	if (!rc)
		rc = peer_range(c, range);
	if (rc)
		return rc;
	key = cli_key_realm(c->o->realm, leaf);
	rc = cli_db_int(c, &n, CLI_ARGV(cmd, key, range));
	/* Removal also takes the range as written, in case another tool stored it so. */
	if (!rc && !strcmp(cmd, "SREM") && strcmp(range, c->o->args[0]))
		rc = cli_db_int(c, &n2, CLI_ARGV(cmd, key, c->o->args[0]));
	free(key);
	if (!rc && n + n2 > 0)
		rc = cli_db_invalidate(c, c->o->realm, NULL);
	if (!rc && n + n2 == 0 && !strcmp(cmd, "SREM"))
		rc = cli_fail(c, CLI_REFUSED, "%s is not in %s of realm \"%s\"", c->o->args[0],
			      leaf, c->o->realm);
	return rc;
}

static int peer_allow(struct cli *c)
{
	return peer_change(c, "SADD", CRED_REDIS_ALLOWED);
}
static int peer_deny(struct cli *c)
{
	return peer_change(c, "SADD", CRED_REDIS_DENIED);
}
static int peer_unallow(struct cli *c)
{
	return peer_change(c, "SREM", CRED_REDIS_ALLOWED);
}
static int peer_undeny(struct cli *c)
{
	return peer_change(c, "SREM", CRED_REDIS_DENIED);
}

static void print_json_list(const char *name, const struct cli_strv *sv)
{
	printf(", \"%s\": [", name);
	for (size_t i = 0; i < sv->n; i++) {
		if (i)
			fputs(", ", stdout);
		cli_json_str(stdout, sv->v[i]);
	}
	fputs("]", stdout);
}

static int peer_list(struct cli *c)
{
	static const char *const leaves[2] = {CRED_REDIS_ALLOWED, CRED_REDIS_DENIED};
	static const char *const names[2] = {"allowed", "denied"};
	struct cli_strv sv[2] = {{0}};
	int rc = cli_require(c, "r");

	for (int i = 0; i < 2 && !rc; i++) {
		char *key = cli_key_realm(c->o->realm, leaves[i]);
		rc = cli_db_members(c, key, &sv[i]);
		free(key);
	}
	if (!rc && c->o->json) {
		fputs("{", stdout);
		cli_json_kv_str(stdout, 1, "realm", c->o->realm);
		print_json_list(names[0], &sv[0]);
		print_json_list(names[1], &sv[1]);
		fputs("}\n", stdout);
	}
	for (int i = 0; i < 2 && !rc && !c->o->json; i++)
		for (size_t j = 0; j < sv[i].n; j++)
			printf("%s %s\n", names[i], sv[i].v[j]);
	cli_strv_free(&sv[0]);
	cli_strv_free(&sv[1]);
	return rc;
}

#define PEER_RANGE_HELP                                                                            \
	"RANGE is an address (192.0.2.1), a CIDR prefix (10.0.0.0/8, 2001:db8::/32) or\n"          \
	"first-last (10.0.0.1-10.0.0.9); it is stored as \"first-last\" or one address.\n\n"       \
	"  -r, --realm=REALM\n"

static const struct cli_verb peer_verbs[] = {
	{"allow", "-r REALM RANGE", "rNh", true, 1, "RANGE", peer_allow,
	 "Adds RANGE to turn/realm/REALM/allowed-peer-ip.\n" PEER_RANGE_HELP},
	{"deny", "-r REALM RANGE", "rNh", true, 1, "RANGE", peer_deny,
	 "Adds RANGE to turn/realm/REALM/denied-peer-ip.\n" PEER_RANGE_HELP},
	{"unallow", "-r REALM RANGE", "rNh", true, 1, "RANGE", peer_unallow,
	 "Removes RANGE from the allowed list. Exit 1 when it is not there.\n" PEER_RANGE_HELP},
	{"undeny", "-r REALM RANGE", "rNh", true, 1, "RANGE", peer_undeny,
	 "Removes RANGE from the denied list. Exit 1 when it is not there.\n" PEER_RANGE_HELP},
	{"list", "-r REALM [--json]", "rjNh", true, 0, NULL, peer_list,
	 "Lists the realm's ranges, \"allowed RANGE\" / \"denied RANGE\" per line, or with\n"
	 "--json {\"realm\": ..., \"allowed\": [...], \"denied\": [...]}.\n\n"
	 "  -r, --realm=REALM\n      --json\n"},
};

const struct cli_group cli_peer_group = {
	"peer",
	"per-realm allowed/denied peer address ranges in Redis",
	peer_verbs,
	sizeof(peer_verbs) / sizeof(peer_verbs[0]),
};
