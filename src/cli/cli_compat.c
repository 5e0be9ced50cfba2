/* turnadmin's command-line flags, mapped onto ternctl's verbs so that scripts written for
 * coturn keep working: -k -a -d -l -s -S -X -g -G with -u -r -p -N and the realm
 * options. */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

/* turnadmin's command letter → ternctl group and verb. */
static const struct {
	int flag;
	const struct cli_group *group;
	const char *verb;
} compat_cmds[] = {
	/* clang-format off */
	{'k', &cli_key_group, NULL},
	{'a', &cli_user_group, "add"},
	{'d', &cli_user_group, "del"},
	{'l', &cli_user_group, "list"},
	{'s', &cli_secret_group, "add"},
	{'S', &cli_secret_group, "list"},
	{'X', &cli_secret_group, "del"},
	{'g', &cli_realm_group, "set"},
	{'G', &cli_realm_group, "show"},
	/* clang-format on */
};

#define N_COMPAT (sizeof(compat_cmds) / sizeof(compat_cmds[0]))

static const struct option compat_longs[] = {
	{"key", no_argument, NULL, 'k'},
	{"add", no_argument, NULL, 'a'},
	{"delete", no_argument, NULL, 'd'},
	{"list", no_argument, NULL, 'l'},
	{"set-secret", required_argument, NULL, 's'},
	{"show-secret", no_argument, NULL, 'S'},
	{"delete-secret", required_argument, NULL, 'X'},
	{"set-realm-option", no_argument, NULL, 'g'},
	{"list-realm-options", no_argument, NULL, 'G'},
	{"redis-userdb", required_argument, NULL, 'N'},
	{"user", required_argument, NULL, 'u'},
	{"realm", required_argument, NULL, 'r'},
	{"password", required_argument, NULL, 'p'},
	{"max-bps", required_argument, NULL, CLI_O_MAX_BPS},
	{"user-quota", required_argument, NULL, CLI_O_USER_QUOTA},
	{"total-quota", required_argument, NULL, CLI_O_TOTAL_QUOTA},
	{NULL, 0, NULL, 0},
};

static int compat_usage(const char *msg, const char *arg)
{
	fprintf(stderr, "ternctl: %s%s%s (try 'ternctl --help')\n", msg, arg ? " " : "",
		arg ? arg : "");
	return CLI_USAGE;
}

static int compat_count(const char *name, const char *v, long long *out)
{
	if (cli_parse_count(v, out) < 0)
		return compat_usage("not a non-negative integer:", name);
	return CLI_OK;
}

/* Applies one parsed flag; *cmd collects the command letter. */
static int compat_flag(int c, int *cmd, struct cli_opts *o)
{
	switch (c) {
	case 'u':
		o->user = optarg;
		return CLI_OK;
	case 'r':
		o->realm = optarg;
		return CLI_OK;
	case 'p':
		o->pass = optarg;
		return CLI_OK;
	case 'N':
		o->redis = optarg;
		return CLI_OK;
	case CLI_O_MAX_BPS:
		return compat_count("--max-bps", optarg, &o->max_bps);
	case CLI_O_USER_QUOTA:
		return compat_count("--user-quota", optarg, &o->user_quota);
	case CLI_O_TOTAL_QUOTA:
		return compat_count("--total-quota", optarg, &o->total_quota);
	}
	for (size_t i = 0; i < N_COMPAT; i++) {
		if (compat_cmds[i].flag != c)
			continue;
		if (*cmd && *cmd != c)
			return compat_usage("more than one command flag", NULL);
		*cmd = c;
		if (c == 's' || c == 'X')
			o->secret = optarg;
		return CLI_OK;
	}
	return CLI_USAGE;
}

int cli_compat_main(int argc, char **argv)
{
	struct cli_opts o = {.ttl = -1, .max_bps = -1, .user_quota = -1, .total_quota = -1};
	int c, cmd = 0, rc;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":kadlSs:X:gGN:u:r:p:", compat_longs, NULL)) != -1) {
		if (c == ':')
			return compat_usage("option needs a value:", argv[optind - 1]);
		if (c == '?')
			return compat_usage("unknown option", argv[optind - 1]);
		rc = compat_flag(c, &cmd, &o);
		if (rc)
			return rc;
	}
	if (optind < argc)
		return compat_usage("unexpected argument", argv[optind]);
	o.hex_prefix = cmd == 'k'; /* turnadmin -k prints 0x<hex> */
	for (size_t i = 0; i < N_COMPAT; i++) {
		const struct cli_group *g = compat_cmds[i].group;
		if (compat_cmds[i].flag != cmd)
			continue;
		for (size_t j = 0; j < g->n_verbs; j++)
			if (!compat_cmds[i].verb || !strcmp(g->verbs[j].name, compat_cmds[i].verb))
				return cli_verb_run(g, &g->verbs[j], &o);
	}
	return compat_usage("no command flag (-k, -a, -d, -l, -s, -S, -X, -g or -G)", NULL);
}
