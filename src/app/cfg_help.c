/* --help and the startup summary, both generated from the option table. */
#include "app/cfg.h"

#include <stdio.h>
#include <string.h>

#include "app/cfg_opt.h"
#include "base/log.h"

#define SUMMARY_MAX 1800
#define VALUE_MAX   1024

static const char *type_arg(const struct cfg_opt *o)
{
	switch (o->type) {
	case CFG_BOOL:
		return "[=BOOL]";
	case CFG_INT:
		return "=INT";
	case CFG_STR:
		return "=STRING";
	case CFG_LIST:
		return "=VALUE (list)";
	case CFG_LEVEL:
		return "=LEVEL";
	}
	return "";
}

/* "default 3478; 1..65535" style details for one row. */
static void details(const struct cfg_opt *o, char *buf, size_t len)
{
	bool quote = o->def && o->type == CFG_STR;
	size_t k = (size_t)snprintf(buf, len, "default %s%s%s", quote ? "\"" : "",
				    o->def ? o->def : (o->type == CFG_LIST ? "none" : "empty"),
				    quote ? "\"" : "");

	if (o->type == CFG_INT && k < len)
		k += (size_t)snprintf(buf + k, len - k, "; %lld..%lld", o->min, o->max);
	if (o->type == CFG_LIST && k < len)
		snprintf(buf + k, len - k, "; at most %lld", o->max);
}

static void print_opt(FILE *f, const struct cfg_opt *o)
{
	char env[64], det[128], shortname[8] = "    ";

	cfg_opt_env_name(o, env, sizeof(env));
	details(o, det, sizeof(det));
	if (o->short_name)
		snprintf(shortname, sizeof(shortname), "-%c, ", o->short_name);
	fprintf(f, "  %s--%s%s\n", shortname, o->name, type_arg(o));
	fprintf(f, "        %s%s\n", o->help, (o->flags & CFG_F_UNUSED) ? " (not yet used)" : "");
	fprintf(f, "        [%s; env %s; %s]\n", det, env,
		(o->flags & CFG_F_RELOAD) ? "a reload applies it" : "needs a restart");
}

void cfg_print_help(FILE *f, const char *prog)
{
	fprintf(f,
		"Usage: %s [-c FILE] [OPTION...]\n"
		"Tern STUN/TURN relay server.\n\n"
		"Each option can be set on the command line (--NAME VALUE or --NAME=VALUE; a\n"
		"boolean is --NAME or --NAME=false), in the environment (TERN_NAME: upper case,\n"
		"'-' as '_'; lists comma- or space-separated; booleans 1/0/true/false/yes/no),\n"
		"or in the libconfig file (NAME = VALUE; lists as NAME = [\"a\", \"b\"];).\n"
		"Precedence: command line > environment > file > default. Without -c the\n"
		"embedded default configuration (etc/ternd.conf) is used. SIGHUP reads them\n"
		"again: options a reload applies change in the running server, the others\n"
		"keep their values until a restart.\n\n"
		"Configuration errors are all reported, one a line with its place, and ternd\n"
		"exits 1. coturn's option names are accepted for what Tern has under another\n"
		"name or always does; the others are refused with the reason.\n\n"
		"  -c, --config=FILE\n        read settings from FILE [env TERN_CONFIG]\n"
		"  -n\n        read no configuration file, not even the embedded default\n"
		"        (coturn's -n): defaults, TERN_* and the command line only\n"
		"  --check-config\n        read and check everything a start reads (files named\n"
		"        included), print every error or \"configuration OK\", exit 1 or 0\n"
		"  -h, --help\n        print this help and exit\n"
		"  --version\n        print the version and exit\n"
		"  -V\n        coturn's \"Verbose\": same as -v (debug logging)\n\n",
		prog);
	for (size_t i = 0; i < cfg_nopts; i++)
		print_opt(f, &cfg_opts[i]);
}

/* True if o's current value differs from its default. */
static bool is_changed(const struct cfg *cfg, const struct cfg_opt *o, const char *value)
{
	if (o->type == CFG_LIST)
		return ((const struct cfg_list *)cfg_field(cfg, o))->n != 0;
	if (o->def)
		return strcmp(value, o->def) != 0;
	return value[0] != '\0';
}

/* Appends " name=value" to line (value quoted when empty or holding spaces/quotes). */
static size_t append_kv(char *line, size_t k, size_t len, const char *name, const char *value)
{
	bool quote = !*value || strpbrk(value, " \t\"=") != NULL;

	if (k >= len)
		return k;
	return k + (size_t)snprintf(line + k, len - k, " %s=%s%s%s", name, quote ? "\"" : "", value,
				    quote ? "\"" : "");
}

void cfg_log_summary(const struct cfg *cfg)
{
	char line[SUMMARY_MAX], value[VALUE_MAX];
	size_t k = 0;

	line[0] = '\0';
	k = append_kv(line, k, sizeof(line), "source",
		      cfg->config_file ? cfg->config_file
		      : cfg->no_config ? "none"
				       : "embedded");
	for (size_t i = 0; i < cfg_nopts; i++) {
		cfg_opt_format(cfg, &cfg_opts[i], value, sizeof(value));
		if (is_changed(cfg, &cfg_opts[i], value))
			k = append_kv(line, k, sizeof(line), cfg_opts[i].name, value);
	}
	log_info("app", "config%s", line);
	for (size_t i = 0; i < cfg->warnings.n; i++)
		log_warn("app", "config: %s", cfg->warnings.v[i]);
	for (size_t i = 0; i < cfg->notes.n; i++)
		log_info("app", "config: %s", cfg->notes.v[i]);
	for (size_t i = 0; i < cfg_nopts && log_enabled(LOG_LVL_DEBUG); i++) {
		line[0] = '\0';
		cfg_opt_format(cfg, &cfg_opts[i], value, sizeof(value));
		append_kv(line, 0, sizeof(line), cfg_opts[i].name, value);
		log_debug("app", "option%s", line);
	}
}
