/* The command line: getopt_long options generated from the table. Every option is
 * --NAME VALUE (or --NAME=VALUE); a boolean is --NAME (true) or --NAME=false. Besides
 * the table: -c/--config FILE, -h/--help, -V/--version. Values are recorded first and
 * applied after the file and the environment, so the command line wins. */
#include "app/cfg_opt.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/xmalloc.h"

#define OPT_BASE     256
#define CLI_NAME_MAX 72

struct cfg_cli_item {
	const struct cfg_opt *o;
	const char *value;	 /* borrows argv */
	char name[CLI_NAME_MAX]; /* the option as typed, for messages */
};

struct cfg_cli {
	struct cfg_cli_item *v;
	size_t n;
};

static const struct option extra_longs[] = {
	{"config", required_argument, NULL, 'c'},
	{"help", no_argument, NULL, 'h'},
	{"version", no_argument, NULL, 'V'},
};
#define N_EXTRA (sizeof(extra_longs) / sizeof(extra_longs[0]))

/* Builds the getopt_long tables from cfg_opts; caller frees *longs. */
static void build_tables(struct option **longs, char *shorts, size_t len)
{
	struct option *l = xcalloc(cfg_nopts + N_EXTRA + 1, sizeof(*l));
	size_t k = (size_t)snprintf(shorts, len, ":c:hV");

	for (size_t i = 0; i < cfg_nopts; i++) {
		const struct cfg_opt *o = &cfg_opts[i];
		bool flag = o->type == CFG_BOOL;

		l[i] = (struct option){o->name, flag ? optional_argument : required_argument, NULL,
				       OPT_BASE + (int)i};
		if (o->short_name && k + 3 < len)
			k += (size_t)snprintf(shorts + k, len - k, "%c%s", o->short_name,
					      flag ? "" : ":");
	}
	memcpy(l + cfg_nopts, extra_longs, sizeof(extra_longs));
	*longs = l;
}

static const struct cfg_opt *opt_by_short(int c)
{
	for (size_t i = 0; i < cfg_nopts; i++)
		if (cfg_opts[i].short_name && cfg_opts[i].short_name == c)
			return &cfg_opts[i];
	return NULL;
}

static void record(struct cfg_cli *cli, const struct cfg_opt *o, const char *value, int c)
{
	struct cfg_cli_item *it;

	cli->v = xrealloc(cli->v, (cli->n + 1) * sizeof(*cli->v));
	it = &cli->v[cli->n++];
	it->o = o;
	it->value = value ? value : "true";
	if (c >= OPT_BASE)
		snprintf(it->name, sizeof(it->name), "--%s", o->name);
	else
		snprintf(it->name, sizeof(it->name), "-%c", c);
}

/* Handles one getopt_long result. 0 or -EINVAL. */
static int handle(struct cfg_state *st, struct cfg_cli *cli, int c, char **argv)
{
	struct cfg_where w = {.src = CFG_SRC_CLI}; /* the message names the option */
	const struct cfg_opt *o;

	switch (c) {
	case 'c':
		free(st->cfg->config_file);
		st->cfg->config_file = xstrdup(optarg);
		return 0;
	case 'h':
		st->cfg->help = true;
		return 0;
	case 'V':
		st->cfg->version = true;
		return 0;
	case ':':
		return cfg_fail(st, &w, "option %s needs a value", argv[optind - 1]);
	case '?':
		if (optopt && optopt < OPT_BASE)
			return cfg_fail(st, &w, "unknown option -%c", optopt);
		return cfg_fail(st, &w, "unknown option %s", argv[optind - 1]);
	}
	o = c >= OPT_BASE ? &cfg_opts[c - OPT_BASE] : opt_by_short(c);
	if (!o)
		return cfg_fail(st, &w, "unknown option %s", argv[optind - 1]);
	record(cli, o, optarg, c);
	return 0;
}

int cfg_cli_parse(struct cfg_state *st, int argc, char **argv, struct cfg_cli **out)
{
	struct cfg_cli *cli = xcalloc(1, sizeof(*cli));
	struct option *longs;
	char shorts[2 * CFG_MAX_OPTS + 8];
	int c, rc = 0;

	build_tables(&longs, shorts, sizeof(shorts));
	optind = 0; /* GNU: full reinitialisation, so cfg_load can run more than once */
	opterr = 0;
	while (rc == 0 && (c = getopt_long(argc, argv, shorts, longs, NULL)) != -1)
		rc = handle(st, cli, c, argv);
	if (rc == 0 && optind < argc) {
		struct cfg_where w = {.src = CFG_SRC_CLI};

		rc = cfg_fail(st, &w, "unexpected argument \"%s\"", argv[optind]);
	}
	free(longs);
	if (rc < 0) {
		cfg_cli_free(cli);
		return rc;
	}
	*out = cli;
	return 0;
}

int cfg_cli_apply(struct cfg_state *st, const struct cfg_cli *cli)
{
	for (size_t i = 0; i < cli->n; i++) {
		const struct cfg_cli_item *it = &cli->v[i];
		struct cfg_where w = {.src = CFG_SRC_CLI, .name = it->name};
		int rc = cfg_opt_set(st, it->o, it->value, &w);

		if (rc < 0)
			return rc;
	}
	return 0;
}

void cfg_cli_free(struct cfg_cli *cli)
{
	if (!cli)
		return;
	free(cli->v);
	free(cli);
}
