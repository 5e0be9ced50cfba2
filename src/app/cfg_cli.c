/* The command line: getopt_long options generated from the table. Every option is
 * --NAME VALUE (or --NAME=VALUE); a boolean is --NAME (true) or --NAME=false. Besides
 * the table: -c/--config FILE, -n (no file at all, as coturn's), -h/--help, --version,
 * --check-config, -V (coturn's "Verbose": as -v), and coturn's names
 * (app/cfg_coturn.h). Values are recorded first and applied after the file and the
 * environment, so the command line wins. Every error is reported, not only the first. */
#include "app/cfg_opt.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/cfg_coturn.h"
#include "base/xmalloc.h"

#define OPT_VERSION  1
#define OPT_CHECK    2
#define OPT_BASE     256
#define OPT_COTURN   (OPT_BASE + CFG_MAX_OPTS) /* + the row of cfg_coturn_opts */
#define CLI_NAME_MAX 72
#define CLI_SHORTS   ":c:hnV"

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
	{"version", no_argument, NULL, OPT_VERSION},
	{"check-config", no_argument, NULL, OPT_CHECK},
};
#define N_EXTRA (sizeof(extra_longs) / sizeof(extra_longs[0]))

static bool short_taken(const char *shorts, char c)
{
	return strchr(shorts, c) != NULL;
}

/* coturn's names (rows no Tern option has) and their short options when free. */
static void add_coturn(struct option *l, char *shorts, size_t len, size_t k)
{
	for (unsigned i = 0; i < cfg_coturn_nopts; i++) {
		const struct cfg_coturn *c = &cfg_coturn_opts[i];

		l[i] = (struct option){c->name,
				       c->has_value ? required_argument : optional_argument, NULL,
				       OPT_COTURN + (int)i};
		if (c->short_name && !short_taken(shorts, c->short_name) && k + 3 < len)
			k += (size_t)snprintf(shorts + k, len - k, "%c%s", c->short_name,
					      c->has_value ? ":" : "");
	}
}

/* Builds the getopt_long tables from cfg_opts and cfg_coturn_opts; caller frees *longs. */
static void build_tables(struct option **longs, char *shorts, size_t len)
{
	struct option *l = xcalloc(cfg_nopts + N_EXTRA + cfg_coturn_nopts + 1, sizeof(*l));
	size_t k = (size_t)snprintf(shorts, len, CLI_SHORTS);

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
	add_coturn(l + cfg_nopts + N_EXTRA, shorts, len, strlen(shorts));
	*longs = l;
}

static const struct cfg_opt *opt_by_short(int c)
{
	for (size_t i = 0; i < cfg_nopts; i++)
		if (cfg_opts[i].short_name && cfg_opts[i].short_name == c)
			return &cfg_opts[i];
	return NULL;
}

/* The coturn row of short option c, or -1. */
static int coturn_by_short(int c)
{
	for (unsigned i = 0; i < cfg_coturn_nopts; i++)
		if (cfg_coturn_opts[i].short_name == c)
			return (int)i;
	return -1;
}

static void record(struct cfg_cli *cli, const struct cfg_opt *o, const char *value,
		   const char *name)
{
	struct cfg_cli_item *it;

	cli->v = xrealloc(cli->v, (cli->n + 1) * sizeof(*cli->v));
	it = &cli->v[cli->n++];
	it->o = o;
	it->value = value ? value : "true";
	snprintf(it->name, sizeof(it->name), "%s", name);
}

/* A coturn name (row i) as typed (name): recorded for its Tern option, noted, or an
 * error. 0 or -EINVAL. */
static int handle_coturn(struct cfg_state *st, struct cfg_cli *cli, unsigned i, const char *name)
{
	struct cfg_where w = {.src = CFG_SRC_CLI, .name = name};
	const struct cfg_opt *o;
	int rc = cfg_compat_resolve(st, cfg_coturn_opts[i].name, &w, &o);

	if (rc == 0)
		record(cli, o, optarg, name);
	return rc < 0 ? -EINVAL : 0;
}

/* Options outside the table. 1 when c was one, 0 when not. */
static int handle_extra(struct cfg_state *st, struct cfg_cli *cli, int c)
{
	switch (c) {
	case 'c':
		free(st->cfg->config_file);
		st->cfg->config_file = xstrdup(optarg);
		return 1;
	case 'n':
		st->cfg->no_config = true;
		return 1;
	case 'h':
		st->cfg->help = true;
		return 1;
	case 'V': /* coturn's "Verbose"; Tern's most verbose level is verbose's */
		record(cli, cfg_opt_find("verbose"), NULL, "-V");
		return 1;
	case OPT_VERSION:
		st->cfg->version = true;
		return 1;
	case OPT_CHECK:
		st->cfg->check_config = true;
		return 1;
	}
	return 0;
}

/* Handles one getopt_long result. 0 or -EINVAL. */
static int handle(struct cfg_state *st, struct cfg_cli *cli, int c, char **argv)
{
	struct cfg_where w = {.src = CFG_SRC_CLI}; /* the message names the option */
	char name[CLI_NAME_MAX];
	const struct cfg_opt *o;
	int k;

	if (handle_extra(st, cli, c))
		return 0;
	if (c == ':')
		return cfg_fail(st, &w, "option %s needs a value", argv[optind - 1]);
	if (c == '?' && optopt && optopt < OPT_BASE)
		return cfg_fail(st, &w, "unknown option -%c", optopt);
	if (c == '?')
		return cfg_fail(st, &w, "unknown option %s", argv[optind - 1]);
	if (c >= OPT_COTURN) {
		snprintf(name, sizeof(name), "--%s", cfg_coturn_opts[c - OPT_COTURN].name);
		return handle_coturn(st, cli, (unsigned)(c - OPT_COTURN), name);
	}
	if (c >= OPT_BASE)
		snprintf(name, sizeof(name), "--%s", cfg_opts[c - OPT_BASE].name);
	else
		snprintf(name, sizeof(name), "-%c", c);
	o = c >= OPT_BASE ? &cfg_opts[c - OPT_BASE] : opt_by_short(c);
	if (!o && (k = coturn_by_short(c)) >= 0)
		return handle_coturn(st, cli, (unsigned)k, name);
	if (!o)
		return cfg_fail(st, &w, "unknown option %s", argv[optind - 1]);
	record(cli, o, optarg, name);
	return 0;
}

int cfg_cli_parse(struct cfg_state *st, int argc, char **argv, struct cfg_cli **out)
{
	struct cfg_cli *cli = xcalloc(1, sizeof(*cli));
	struct option *longs;
	char shorts[2 * (CFG_MAX_OPTS + 64) + 8];
	int c, rc = 0;

	build_tables(&longs, shorts, sizeof(shorts));
	optind = 0; /* GNU: full reinitialisation, so cfg_load can run more than once */
	opterr = 0;
	while ((c = getopt_long(argc, argv, shorts, longs, NULL)) != -1)
		if (handle(st, cli, c, argv) < 0)
			rc = -EINVAL;
	for (; optind < argc; optind++) {
		struct cfg_where w = {.src = CFG_SRC_CLI};

		rc = cfg_fail(st, &w, "unexpected argument \"%s\"", argv[optind]);
	}
	free(longs);
	*out = cli; /* what parsed is applied too, so its errors are found as well */
	return rc;
}

int cfg_cli_apply(struct cfg_state *st, const struct cfg_cli *cli)
{
	int rc = 0;

	for (size_t i = 0; i < cli->n; i++) {
		const struct cfg_cli_item *it = &cli->v[i];
		struct cfg_where w = {.src = CFG_SRC_CLI, .name = it->name};

		if (cfg_opt_set(st, it->o, it->value, &w) < 0)
			rc = -EINVAL;
	}
	return rc;
}

void cfg_cli_free(struct cfg_cli *cli)
{
	if (!cli)
		return;
	free(cli->v);
	free(cli);
}
