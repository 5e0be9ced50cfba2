/* A reload's view of two configurations (app/cfg.h, cfg_reload_load): which options a
 * running ternd can change (rows with CFG_F_RELOAD) and which keep the value they started
 * with until a restart (every other row: listeners, addresses, threads, the TLS and DTLS
 * switches, Redis, the process). */
#include "app/cfg_opt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/xmalloc.h"

static bool cfg_str_eq(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return strcmp(a, b) == 0;
}

static bool cfg_list_eq(const struct cfg_list *a, const struct cfg_list *b)
{
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->v[i], b->v[i]) != 0)
			return false;
	return true;
}

bool cfg_opt_eq(const struct cfg *a, const struct cfg *b, const struct cfg_opt *o)
{
	const void *fa = cfg_field(a, o), *fb = cfg_field(b, o);

	switch (o->type) {
	case CFG_BOOL:
		return *(const bool *)fa == *(const bool *)fb;
	case CFG_INT:
		return *(const long long *)fa == *(const long long *)fb;
	case CFG_STR:
		return cfg_str_eq(*(char *const *)fa, *(char *const *)fb);
	case CFG_LIST:
		return cfg_list_eq(fa, fb);
	case CFG_LEVEL:
		return *(const int *)fa == *(const int *)fb;
	}
	return true;
}

void cfg_opt_copy(struct cfg *dst, const struct cfg *src, const struct cfg_opt *o)
{
	void *fd = cfg_field(dst, o);
	const void *fs = cfg_field(src, o);

	switch (o->type) {
	case CFG_BOOL:
		*(bool *)fd = *(const bool *)fs;
		return;
	case CFG_INT:
		*(long long *)fd = *(const long long *)fs;
		return;
	case CFG_STR:
		free(*(char **)fd);
		*(char **)fd = *(char *const *)fs ? xstrdup(*(char *const *)fs) : NULL;
		return;
	case CFG_LIST:
		cfg_list_clear(fd);
		for (size_t i = 0; i < ((const struct cfg_list *)fs)->n; i++)
			cfg_list_add(fd, ((const struct cfg_list *)fs)->v[i]);
		return;
	case CFG_LEVEL:
		*(int *)fd = *(const int *)fs;
		return;
	}
}

/* Whether o can change in a running ternd from old to cfg. cert is reloadable (the files
 * are re-read) except when it would switch TLS on or off: the listeners are made at start. */
static bool cfg_opt_reloadable(const struct cfg *old, const struct cfg *cfg,
			       const struct cfg_opt *o)
{
	if (strcmp(o->name, "cert") == 0)
		return (old->cert == NULL) == (cfg->cert == NULL);
	return (o->flags & CFG_F_RELOAD) != 0;
}

/* Appends name to the comma-separated list in buf (cap bytes; "..." once full). */
static void cfg_names_add(char *buf, size_t cap, const char *name)
{
	size_t len = strlen(buf);

	if (len + strlen(name) + 5 >= cap) {
		if (len + 4 < cap && (len < 3 || strcmp(buf + len - 3, "...") != 0))
			snprintf(buf + len, cap - len, "%s...", len ? "," : "");
		return;
	}
	snprintf(buf + len, cap - len, "%s%s", len ? "," : "", name);
}

size_t cfg_keep_restart(const struct cfg *old, struct cfg *cfg, char *names, size_t cap)
{
	size_t n = 0;

	if (cap)
		names[0] = '\0';
	for (size_t i = 0; i < cfg_nopts; i++) {
		const struct cfg_opt *o = &cfg_opts[i];

		if (cfg_opt_eq(old, cfg, o) || cfg_opt_reloadable(old, cfg, o))
			continue;
		cfg_opt_copy(cfg, old, o);
		if (cap)
			cfg_names_add(names, cap, o->name);
		n++;
	}
	return n;
}

size_t cfg_changed(const struct cfg *old, const struct cfg *cfg, char *names, size_t cap)
{
	size_t n = 0;

	if (cap)
		names[0] = '\0';
	for (size_t i = 0; i < cfg_nopts; i++) {
		if (cfg_opt_eq(old, cfg, &cfg_opts[i]))
			continue;
		if (cap)
			cfg_names_add(names, cap, cfg_opts[i].name);
		n++;
	}
	return n;
}
