/* The configuration file (libconfig syntax: `listening-port = 3478;`), or the embedded
 * default when no file is named. Every top-level setting must be a table row. */
#include "app/cfg_opt.h"

#include <errno.h>
#include <libconfig.h>
#include <stdio.h>
#include <string.h>

#define EMBEDDED_NAME "embedded default"

static struct cfg_where where_of(const config_setting_t *s, const char *file)
{
	const char *f = config_setting_source_file(s);

	return (struct cfg_where){
		.src = CFG_SRC_FILE,
		.file = f ? f : file,
		.line = config_setting_source_line(s),
	};
}

/* Text of a scalar setting into buf; -EINVAL for groups, lists and arrays. */
static int scalar_text(const config_setting_t *s, char *buf, size_t len)
{
	switch (config_setting_type(s)) {
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64:
		snprintf(buf, len, "%lld", config_setting_get_int64(s));
		return 0;
	case CONFIG_TYPE_FLOAT:
		snprintf(buf, len, "%g", config_setting_get_float(s));
		return 0;
	case CONFIG_TYPE_BOOL:
		snprintf(buf, len, "%s", config_setting_get_bool(s) ? "true" : "false");
		return 0;
	case CONFIG_TYPE_STRING:
		snprintf(buf, len, "%s", config_setting_get_string(s));
		return 0;
	default:
		return -EINVAL;
	}
}

static int set_scalar(struct cfg_state *st, const struct cfg_opt *o, const config_setting_t *s,
		      const struct cfg_where *w)
{
	char text[1024];

	if (scalar_text(s, text, sizeof(text)) < 0)
		return cfg_fail(st, w, "%s: expected a single value, not a list or group", o->name);
	return cfg_opt_set(st, o, text, w);
}

/* A group element of a list, { k = "v"; ... }, as the item "k=v k=v" (tls-certs). */
static int set_group_item(struct cfg_state *st, const struct cfg_opt *o, const config_setting_t *g,
			  const struct cfg_where *w)
{
	char text[4096], val[1024];
	size_t off = 0;
	int n = config_setting_length(g);

	text[0] = '\0';
	for (int i = 0; i < n; i++) {
		const config_setting_t *m = config_setting_get_elem(g, (unsigned)i);

		if (scalar_text(m, val, sizeof(val)) < 0 || strpbrk(val, " \t"))
			return cfg_fail(st, w, "%s: %s: expected a value without spaces", o->name,
					config_setting_name(m));
		off += (size_t)snprintf(text + off, sizeof(text) - off, "%s%s=%s", off ? " " : "",
					config_setting_name(m), val);
		if (off >= sizeof(text))
			return cfg_fail(st, w, "%s: entry too long", o->name);
	}
	return cfg_opt_set(st, o, text, w);
}

/* A list option takes a single string or a list/array of them (of groups for tls-certs). */
static int set_list(struct cfg_state *st, const struct cfg_opt *o, const config_setting_t *s,
		    const struct cfg_where *w)
{
	int n, rc = 0;

	cfg_opt_list_begin(st, o, w);
	if (!config_setting_is_aggregate(s))
		return set_scalar(st, o, s, w);
	if (config_setting_is_group(s))
		return cfg_fail(st, w, "%s: expected a string or a list of strings", o->name);
	n = config_setting_length(s);
	for (int i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
		struct cfg_where ew = where_of(e, w->file);

		ew.name = w->name;
		if ((config_setting_is_group(e) ? set_group_item(st, o, e, &ew)
						: set_scalar(st, o, e, &ew)) < 0)
			rc = -EINVAL; /* the other items are still checked */
	}
	return rc;
}

/* Every top-level setting, a row's or a coturn name's; an error does not stop the others
 * from being checked. */
static int apply_root(struct cfg_state *st, const config_t *cf, const char *file)
{
	const config_setting_t *root = config_root_setting(cf);
	int n = config_setting_length(root), ret = 0;

	for (int i = 0; i < n; i++) {
		const config_setting_t *s = config_setting_get_elem(root, (unsigned)i);
		const char *name = config_setting_name(s);
		const struct cfg_opt *o = cfg_opt_find(name);
		struct cfg_where w = where_of(s, file);
		int rc = 0;

		if (!o) {
			rc = cfg_compat_resolve(st, name, &w, &o);
			w.name = rc == -ENOENT ? NULL : name; /* coturn's: named as typed */
		}
		if (rc == -ENOENT)
			rc = cfg_fail(st, &w, "unknown setting \"%s\"", name);
		else if (rc == 0 && o->type == CFG_LIST)
			rc = set_list(st, o, s, &w);
		else if (rc == 0)
			rc = set_scalar(st, o, s, &w);
		if (rc < 0)
			ret = rc;
	}
	return ret;
}

static int read_config(struct cfg_state *st, config_t *cf, const char *path)
{
	struct cfg_where w = {.src = CFG_SRC_FILE, .file = path ? path : EMBEDDED_NAME};
	FILE *fp = NULL;
	int ok;

	if (path) {
		fp = fopen(path, "re");
		if (!fp)
			return cfg_fail(st, &w, "cannot read config file: %s", strerror(errno));
		ok = config_read(cf, fp);
		fclose(fp);
	} else {
		ok = config_read_string(cf, cfg_default_text);
	}
	if (ok == CONFIG_TRUE)
		return 0;
	if (config_error_file(cf))
		w.file = config_error_file(cf);
	w.line = config_error_line(cf);
	return cfg_fail(st, &w, "config file: %s", config_error_text(cf));
}

int cfg_file_load(struct cfg_state *st, const char *path)
{
	config_t cf;
	int rc;

	config_init(&cf);
	rc = read_config(st, &cf, path);
	if (rc == 0)
		rc = apply_root(st, &cf, path ? path : EMBEDDED_NAME);
	config_destroy(&cf);
	return rc;
}
