/* Parsing and storing one option value, whatever its source; error messages. */
#include "app/cfg_opt.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/log.h"
#include "base/xmalloc.h"

static const char *const level_names[] = {
	[LOG_LVL_ERR] = "err",
	[LOG_LVL_WARN] = "warn",
	[LOG_LVL_INFO] = "info",
	[LOG_LVL_DEBUG] = "debug",
};

void *cfg_field(const struct cfg *cfg, const struct cfg_opt *o)
{
	return (char *)cfg + o->off;
}

void cfg_list_add(struct cfg_list *l, const char *s)
{
	l->v = xrealloc(l->v, (l->n + 1) * sizeof(*l->v));
	l->v[l->n++] = xstrdup(s);
}

void cfg_list_clear(struct cfg_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

void cfg_where_str(const struct cfg_where *w, char *buf, size_t len)
{
	switch (w->src) {
	case CFG_SRC_DEFAULT:
		snprintf(buf, len, "default");
		break;
	case CFG_SRC_FILE: /* name: a coturn name standing for the option */
		if (w->line > 0)
			snprintf(buf, len, "%s:%d%s%s", w->file, w->line, w->name ? " " : "",
				 w->name ? w->name : "");
		else
			snprintf(buf, len, "%s%s%s", w->file, w->name ? " " : "",
				 w->name ? w->name : "");
		break;
	case CFG_SRC_ENV:
		snprintf(buf, len, "environment %s", w->name);
		break;
	case CFG_SRC_CLI:
		snprintf(buf, len, "command line%s%s", w->name ? " " : "", w->name ? w->name : "");
		break;
	}
}

/* Appends line to st->err: one more error, on a line of its own. */
static void cfg_err_add(struct cfg_state *st, const char *line)
{
	size_t used = strlen(st->err), room = CFG_ERR_MAX - used;
	int n;

	st->nerr++;
	if (st->nerr > CFG_ERR_CAP + 1)
		return;
	if (st->nerr == CFG_ERR_CAP + 1)
		line = "... (more errors not shown)";
	n = snprintf(st->err + used, room, "%s%s", used ? "\n" : "", line);
	if (n < 0 || (size_t)n >= room)
		memcpy(st->err + CFG_ERR_MAX - 4, "...", 4);
}

int cfg_fail(struct cfg_state *st, const struct cfg_where *w, const char *fmt, ...)
{
	char msg[CFG_ERR_MAX / CFG_ERR_CAP], line[CFG_ERR_MAX / CFG_ERR_CAP], where[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (w) {
		cfg_where_str(w, where, sizeof(where));
		if (snprintf(line, sizeof(line), "%s (%s)", msg, where) >= (int)sizeof(line))
			memcpy(line + sizeof(line) - 4, "...", 4);
	} else {
		snprintf(line, sizeof(line), "%s", msg);
	}
	cfg_err_add(st, line);
	return -EINVAL;
}

/* 1, 0, or -EINVAL if s is not a boolean word. */
static int parse_bool(const char *s)
{
	static const char *const yes[] = {"1", "true", "yes", "on"};
	static const char *const no[] = {"0", "false", "no", "off"};

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcasecmp(s, yes[i]) == 0)
			return 1;
		if (strcasecmp(s, no[i]) == 0)
			return 0;
	}
	return -EINVAL;
}

static int parse_level(const char *s)
{
	for (size_t i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++)
		if (strcasecmp(s, level_names[i]) == 0)
			return (int)i;
	if (strcasecmp(s, "error") == 0)
		return LOG_LVL_ERR;
	if (strcasecmp(s, "warning") == 0)
		return LOG_LVL_WARN;
	return -EINVAL;
}

static int set_int(struct cfg_state *st, const struct cfg_opt *o, const char *value,
		   const struct cfg_where *w)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(value, &end, 10);
	if (end == value || *end != '\0' || errno == ERANGE)
		return cfg_fail(st, w, "%s: bad value \"%s\": not an integer", o->name, value);
	if (v < o->min || v > o->max)
		return cfg_fail(st, w, "%s: bad value \"%s\": out of range %lld..%lld", o->name,
				value, o->min, o->max);
	*(long long *)cfg_field(st->cfg, o) = v;
	return 0;
}

static int set_str(struct cfg_state *st, const struct cfg_opt *o, const char *value,
		   const struct cfg_where *w)
{
	char **field = cfg_field(st->cfg, o);
	char why[200];

	if (o->check && *value && o->check(value, why, sizeof(why)) < 0)
		return cfg_fail(st, w, "%s: bad value \"%s\": %s", o->name,
				(o->flags & CFG_F_SECRET) ? "***" : value, why);
	free(*field);
	*field = *value ? xstrdup(value) : NULL;
	return 0;
}

static void format_list(const struct cfg_list *l, unsigned flags, char *buf, size_t len);

static int set_list(struct cfg_state *st, const struct cfg_opt *o, const char *value,
		    const struct cfg_where *w)
{
	struct cfg_list *l = cfg_field(st->cfg, o);
	struct cfg_list one = {.v = (char **)&value, .n = 1};
	char why[200], shown[256];

	cfg_opt_list_begin(st, o, w);
	if (o->check && o->check(value, why, sizeof(why)) < 0) {
		format_list(&one, o->flags, shown, sizeof(shown));
		return cfg_fail(st, w, "%s: bad value \"%s\": %s", o->name, shown, why);
	}
	if ((long long)l->n >= o->max)
		return cfg_fail(st, w, "%s: too many values (at most %lld)", o->name, o->max);
	cfg_list_add(l, value);
	return 0;
}

void cfg_opt_list_begin(struct cfg_state *st, const struct cfg_opt *o, const struct cfg_where *w)
{
	size_t i = (size_t)(o - cfg_opts);

	if (st->set_by[i] != w->src)
		cfg_list_clear(cfg_field(st->cfg, o));
	st->set_by[i] = w->src;
}

int cfg_opt_set(struct cfg_state *st, const struct cfg_opt *o, const char *value,
		const struct cfg_where *w)
{
	int v;

	if (o->type != CFG_LIST) /* a list records its source in cfg_opt_list_begin */
		st->set_by[o - cfg_opts] = w->src;
	switch (o->type) {
	case CFG_BOOL:
		v = parse_bool(value);
		if (v < 0)
			return cfg_fail(st, w, "%s: bad value \"%s\": not a boolean (true/false)",
					o->name, value);
		*(bool *)cfg_field(st->cfg, o) = v;
		return 0;
	case CFG_INT:
		return set_int(st, o, value, w);
	case CFG_STR:
		return set_str(st, o, value, w);
	case CFG_LIST:
		return set_list(st, o, value, w);
	case CFG_LEVEL:
		v = parse_level(value);
		if (v < 0)
			return cfg_fail(st, w,
					"%s: bad value \"%s\": not one of err/warn/info/debug",
					o->name, value);
		*(int *)cfg_field(st->cfg, o) = v;
		return 0;
	}
	return -EINVAL;
}

static void format_list(const struct cfg_list *l, unsigned flags, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < l->n && used < len; i++) {
		const char *item = l->v[i];
		int namelen = (int)strlen(item);
		const char *colon = strchr(item, ':');

		if (flags & CFG_F_SECRET) /* "name:***", or "***" when there is no name */
			namelen = colon ? (int)(colon - item) + 1 : 0;
		used += (size_t)snprintf(buf + used, len - used, "%s%.*s%s", i ? "," : "", namelen,
					 item, (flags & CFG_F_SECRET) ? "***" : "");
	}
}

void cfg_opt_format(const struct cfg *cfg, const struct cfg_opt *o, char *buf, size_t len)
{
	const void *f = cfg_field(cfg, o);

	switch (o->type) {
	case CFG_BOOL:
		snprintf(buf, len, "%s", *(const bool *)f ? "true" : "false");
		break;
	case CFG_INT:
		snprintf(buf, len, "%lld", *(const long long *)f);
		break;
	case CFG_STR:
		snprintf(buf, len, "%s",
			 !*(char *const *)f	     ? ""
			 : (o->flags & CFG_F_SECRET) ? "***"
						     : *(char *const *)f);
		break;
	case CFG_LIST:
		format_list(f, o->flags, buf, len);
		break;
	case CFG_LEVEL:
		snprintf(buf, len, "%s", level_names[*(const int *)f & 3]);
		break;
	}
}
