/* ternctl: Tern's admin and credential tool. One row per command group in groups[]; each
 * group's verbs live in its own file (cli_user.c, cli_secret.c, ...).
 * Exit status: 0 done, 1 refused or not found, 2 usage or connection error (one line on
 * stderr). */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

static void print_usage(FILE *f)
{
	fprintf(f, "Usage: ternctl COMMAND [VERB] [OPTION...]\n"
		   "       ternctl COMMAND [VERB] --help\n"
		   "Tern credential and admin tool.\n\nCommands:\n");
	for (size_t i = 0; i < cli_ngroups; i++) {
		const struct cli_group *g = cli_groups[i];
		fprintf(f, "  %-9s %s\n", g->name, g->summary);
		for (size_t j = 0; j < g->n_verbs; j++)
			fprintf(f, "            ternctl %s%s%s %s\n", g->name,
				g->verbs[j].name ? " " : "",
				g->verbs[j].name ? g->verbs[j].name : "", g->verbs[j].synopsis);
	}
	fprintf(f,
		"\nRedis: --redis=\"ip=127.0.0.1 port=6379 dbname=0 password=... "
		"connect_timeout=5\"\n"
		"(coturn's connection string; host= is a synonym of ip=) or $TERN_REDIS_USERDB.\n"
		"Every change publishes \"REALM/USER\" or \"REALM\" on the channel "
		"tern/invalidate.\n"
		"\nturnadmin's flags work too: -a (user add), -d (user del), -l (user list),\n"
		"-s SECRET (secret add), -S (secret list), -X SECRET (secret del), -k (key, "
		"printed\n"
		"as 0x...), -g (realm set), -G (realm show), with -u USER -r REALM -p PASSWORD,\n"
		"-N CONNINFO (--redis-userdb) and --max-bps/--user-quota/--total-quota.\n"
		"\nAdmin socket (status, sessions, kill, reload, drain, log-level):\n"
		"--admin-socket=PATH or $TERN_ADMIN_SOCKET (default /run/ternd/admin.sock).\n"
		"\nExit status: 0 ok, 1 not found or refused, 2 usage or connection error.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "ternctl: missing command (try 'ternctl --help')\n");
		return CLI_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		print_usage(stdout);
		return CLI_OK;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("ternctl %s\n", PACKAGE_VERSION);
		return CLI_OK;
	}
	if (argv[1][0] == '-')
		return cli_compat_main(argc, argv);
	for (size_t i = 0; i < cli_ngroups; i++)
		if (strcmp(argv[1], cli_groups[i]->name) == 0)
			return cli_group_main(cli_groups[i], argc - 1, argv + 1);
	fprintf(stderr, "ternctl: unknown command \"%s\" (try 'ternctl --help')\n", argv[1]);
	return CLI_USAGE;
}
