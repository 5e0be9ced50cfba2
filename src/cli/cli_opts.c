/* ternctl's shared option parser and verb runner: one option table for every verb, each
 * verb accepting a subset of it. */
#include "config.h"

#include "cli/cli.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/codec.h"
#include "cli/cli_redis.h"

static const struct option cli_longs[] = {
	{"user", required_argument, NULL, CLI_O_USER},
	{"realm", required_argument, NULL, CLI_O_REALM},
	{"password", required_argument, NULL, CLI_O_PASS},
	{"secret", required_argument, NULL, CLI_O_SECRET},
	{"redis", required_argument, NULL, CLI_O_REDIS},
	{"redis-userdb", required_argument, NULL, CLI_O_REDIS},
	{"help", no_argument, NULL, CLI_O_HELP},
	{"json", no_argument, NULL, CLI_O_JSON},
	{"sha256", no_argument, NULL, CLI_O_SHA256},
	{"ttl", required_argument, NULL, CLI_O_TTL},
	{"url", required_argument, NULL, CLI_O_URL},
	{"separator", required_argument, NULL, CLI_O_SEP},
	{"max-bps", required_argument, NULL, CLI_O_MAX_BPS},
	{"user-quota", required_argument, NULL, CLI_O_USER_QUOTA},
	{"total-quota", required_argument, NULL, CLI_O_TOTAL_QUOTA},
	{"admin-socket", required_argument, NULL, CLI_O_ADMIN_SOCKET},
	{"timeout", required_argument, NULL, CLI_O_TIMEOUT},
	{"output", required_argument, NULL, CLI_O_OUTPUT},
	{"report", required_argument, NULL, CLI_O_REPORT},
	{"fleet", no_argument, NULL, CLI_O_FLEET},
	{NULL, 0, NULL, 0},
};

static const char *opt_name(int code)
{
	for (const struct option *l = cli_longs; l->name; l++)
		if (l->val == code)
			return l->name;
	return "?";
}

int cli_fail(const struct cli *c, int code, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "ternctl%s%s: ", c && c->name ? " " : "", c && c->name ? c->name : "");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return code;
}

static int usage(const char *name, const char *msg, const char *arg)
{
	fprintf(stderr, "ternctl %s: %s%s%s (try 'ternctl %s --help')\n", name, msg, arg ? " " : "",
		arg ? arg : "", name);
	return CLI_USAGE;
}

int cli_parse_count(const char *s, long long *out)
{
	uint64_t v;

	if (codec_dec_u64(s, strlen(s), LLONG_MAX, &v) < 0)
		return -EINVAL;
	*out = (long long)v;
	return 0;
}

static int set_opt(int c, const char *arg, struct cli_opts *o)
{
	switch (c) {
	case CLI_O_USER:
		o->user = arg;
		return 0;
	case CLI_O_REALM:
		o->realm = arg;
		return 0;
	case CLI_O_PASS:
		o->pass = arg;
		return 0;
	case CLI_O_SECRET:
		o->secret = arg;
		return 0;
	case CLI_O_REDIS:
		o->redis = arg;
		return 0;
	case CLI_O_SEP:
		o->sep = arg;
		return 0;
	case CLI_O_ADMIN_SOCKET:
		o->admin_socket = arg;
		return 0;
	case CLI_O_OUTPUT:
		o->output = arg;
		return 0;
	case CLI_O_REPORT:
		o->report = arg;
		return 0;
	case CLI_O_TIMEOUT:
		return cli_parse_count(arg, &o->timeout);
	case CLI_O_HELP:
		o->help = true;
		return 0;
	case CLI_O_JSON:
		o->json = true;
		return 0;
	case CLI_O_FLEET:
		o->fleet = true;
		return 0;
	case CLI_O_SHA256:
		o->sha256 = true;
		return 0;
	case CLI_O_TTL:
		return cli_parse_count(arg, &o->ttl);
	case CLI_O_MAX_BPS:
		return cli_parse_count(arg, &o->max_bps);
	case CLI_O_USER_QUOTA:
		return cli_parse_count(arg, &o->user_quota);
	case CLI_O_TOTAL_QUOTA:
		return cli_parse_count(arg, &o->total_quota);
	case CLI_O_URL:
		if (o->n_urls == sizeof(o->urls) / sizeof(o->urls[0]))
			return -E2BIG;
		o->urls[o->n_urls++] = arg;
		return 0;
	}
	return -ENOENT;
}

int cli_opts_parse(int argc, char **argv, const char *name, const char *allowed, struct cli_opts *o)
{
	char bad[64];
	int c;

	memset(o, 0, sizeof(*o));
	o->ttl = o->max_bps = o->user_quota = o->total_quota = o->timeout = -1;
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":u:r:p:s:N:o:h", cli_longs, NULL)) != -1) {
		if (c == ':')
			return usage(name, "option needs a value:", argv[optind - 1]);
		if (c != '?' && c != 0 && !strchr(allowed, c)) {
			snprintf(bad, sizeof(bad), "--%s", opt_name(c));
			return usage(name, "option not accepted here:", bad);
		}
		if (c == '?' || c == 0) {
			snprintf(bad, sizeof(bad), "%s", argv[optind - 1]);
			return usage(name, "unknown option", bad);
		}
		int rc = set_opt(c, optarg, o);
		if (rc == -E2BIG)
			return usage(name, "too many values for", "--url");
		if (rc) {
			snprintf(bad, sizeof(bad), "--%s: \"%s\"", opt_name(c), optarg);
			return usage(name, "not a non-negative integer:", bad);
		}
	}
	o->args = argv + optind;
	o->n_args = argc - optind;
	return CLI_OK;
}

int cli_require(const struct cli *c, const char *need)
{
	const struct cli_opts *o = c->o;

	for (const char *p = need; *p; p++) {
		const char *v = NULL;
		switch (*p) {
		case CLI_O_USER:
			v = o->user;
			break;
		case CLI_O_REALM:
			v = o->realm;
			break;
		case CLI_O_PASS:
			v = o->pass;
			break;
		case CLI_O_SECRET:
			v = o->secret;
			break;
		}
		if (!v || !*v) {
			fprintf(stderr, "ternctl %s: --%s is required (try 'ternctl %s --help')\n",
				c->name, opt_name(*p), c->name);
			return CLI_USAGE;
		}
	}
	return CLI_OK;
}

static void verb_help(const struct cli_group *g, const struct cli_verb *v)
{
	printf("Usage: ternctl %s%s%s %s\n%s", g->name, v->name ? " " : "", v->name ? v->name : "",
	       v->synopsis, v->help);
	if (v->redis || strchr(v->allowed, CLI_O_REDIS))
		printf("  -N, --redis=CONNINFO  Redis connection string, e.g. \"ip=127.0.0.1 "
		       "port=6379\n"
		       "                        dbname=0 password=... connect_timeout=5\" "
		       "(default:\n"
		       "                        $TERN_REDIS_USERDB)\n");
	printf("  -h, --help\n"
	       "Exit status: 0 ok, 1 not found or refused, 2 usage or connection error.\n");
}

int cli_verb_run(const struct cli_group *g, const struct cli_verb *v, const struct cli_opts *o)
{
	char name[64];
	struct cli c = {.name = name, .o = o};
	int rc;

	snprintf(name, sizeof(name), "%s%s%s", g->name, v->name ? " " : "", v->name ? v->name : "");
	if (o->help) {
		verb_help(g, v);
		return CLI_OK;
	}
	if (v->n_args < 0 && o->n_args > 1)
		return cli_fail(&c, CLI_USAGE,
				"unexpected argument \"%s\" (try 'ternctl %s --help')", o->args[1],
				name);
	if (v->n_args >= 0 && o->n_args > v->n_args)
		return cli_fail(&c, CLI_USAGE,
				"unexpected argument \"%s\" (try 'ternctl %s --help')",
				o->args[v->n_args], name);
	if (v->n_args >= 0 && o->n_args < v->n_args)
		return cli_fail(&c, CLI_USAGE, "missing %s (try 'ternctl %s --help')", v->args_name,
				name);
	if (v->redis) {
		rc = cli_redis_connect(&c, o->redis, &c.db);
		if (rc)
			return rc;
	}
	rc = v->run(&c);
	cli_redis_close(c.db);
	return rc;
}

static int group_help(const struct cli_group *g)
{
	FILE *f = stdout;

	fprintf(f, "Usage: ternctl %s VERB [OPTION...]   (%s)\n", g->name, g->summary);
	for (size_t i = 0; i < g->n_verbs; i++)
		fprintf(f, "  ternctl %s %s %s\n", g->name, g->verbs[i].name, g->verbs[i].synopsis);
	fprintf(f, "'ternctl %s VERB --help' describes one verb.\n", g->name);
	return CLI_OK;
}

int cli_group_main(const struct cli_group *g, int argc, char **argv)
{
	const struct cli_verb *v = NULL;
	struct cli_opts o;
	char name[64];
	int rc;

	if (g->n_verbs == 1 && !g->verbs[0].name) {
		v = &g->verbs[0];
		snprintf(name, sizeof(name), "%s", g->name);
	} else {
		if (argc < 2)
			return usage(g->name, "missing verb", NULL);
		if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))
			return group_help(g);
		for (size_t i = 0; i < g->n_verbs && !v; i++)
			if (!strcmp(argv[1], g->verbs[i].name))
				v = &g->verbs[i];
		if (!v)
			return usage(g->name, "unknown verb", argv[1]);
		snprintf(name, sizeof(name), "%s %s", g->name, v->name);
		argc--;
		argv++;
	}
	rc = cli_opts_parse(argc, argv, name, v->allowed, &o);
	return rc ? rc : cli_verb_run(g, v, &o);
}
