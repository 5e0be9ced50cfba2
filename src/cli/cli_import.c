/* coturn's turnserver.conf → ternd.conf (cli/cli_import.h).
 *
 * coturn's format (src/apps/relay/mainrelay.c, read_config_file and parse_arg_string):
 * a line whose first non-blank character is '#' is a comment; otherwise the name runs to
 * the first ' ', '=' or tab, the value starts after the run of them; a value that begins
 * with '"' loses it and a closing '"'. A bare name is a flag (coturn reads "" as true).
 * A repeated list option (user, allowed-peer-ip, ...) adds an item; any other repeated
 * option takes the last value, as coturn's set_option does. */
#include "config.h"

#include "cli/cli_import.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "app/cfg_coturn.h"
#include "app/cfg_opt.h"
#include "cli/cli_strv.h"

#define IMP_WHY_MAX 256

/* One Tern option the file sets. */
struct imp_slot {
	int first, last;       /* coturn lines; first == 0: not set */
	char *value;	       /* scalar: the libconfig literal of the last value */
	struct cli_strv items; /* list: libconfig literals, in file order */
};

/* One report line: a line of the coturn file and what became of it. */
struct imp_entry {
	int line;     /* 0: a finding about the whole file, said after the lines */
	size_t opt;   /* the Tern option it set (index in cfg_opts), or IMP_NONE */
	bool skipped; /* not carried over: listed at the end of the result too */
	char *name;   /* as typed; NULL for a finding about the whole file */
	char *text;   /* what became of it, and why */
};

#define IMP_NONE ((size_t)-1)

struct imp {
	struct imp_slot slot[CFG_MAX_OPTS]; /* by index in cfg_opts */
	size_t order[CFG_MAX_OPTS];	    /* slots in order of first appearance */
	size_t norder;
	struct imp_entry *ent; /* the report */
	size_t nent, cap;
	unsigned translated, dropped, problems;
	bool no_cred; /* no credential source: ternd would refuse the result */
};

/* coturn's defaults for the integer options it accepts bare (get_int_value). */
static const struct {
	const char *name;
	const char *value;
} imp_bare_int[] = {
	{"stale-nonce", "600"},
	{"max-allocate-lifetime", "3600"},
	{"channel-lifetime", "600"},
	{"permission-lifetime", "300"},
};

/* Same name, different behaviour: said next to the line in the report. */
static const struct {
	const char *name;
	const char *note;
} imp_notes[] = {
	{"alternate-server", "Tern sends it only while draining (coturn: to every Allocate)"},
	{"verbose", "Tern's verbose is debug logging"},
};

static size_t imp_index(const struct cfg_opt *o)
{
	return (size_t)(o - cfg_opts);
}

static char *imp_strdup(const char *s)
{
	char *d = strdup(s);

	if (!d)
		abort(); /* control path: ternctl has nothing to fall back on */
	return d;
}

/* s as a libconfig string literal: quotes, '\\' and control bytes escaped. */
static char *imp_quote(const char *s)
{
	size_t n = 3;
	char *q, *p;

	for (const char *c = s; *c; c++)
		n += 4;
	q = malloc(n);
	if (!q)
		abort();
	p = q;
	*p++ = '"';
	for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
		if (*c == '"' || *c == '\\') {
			*p++ = '\\';
			*p++ = (char)*c;
		} else if (*c < 0x20 || *c == 0x7f) {
			p += sprintf(p, "\\x%02x", *c);
		} else {
			*p++ = (char)*c;
		}
	}
	*p++ = '"';
	*p = '\0';
	return q;
}

/* coturn's get_bool_value: "" is true; 0/n/f false, 1-9/y/t true, on/off. */
static int imp_bool(const char *v, bool *out)
{
	if (!*v || strchr("yYtT123456789", *v) || !strcasecmp(v, "on")) {
		*out = true;
		return 0;
	}
	if (strchr("0nNfF", *v) || !strcasecmp(v, "off")) {
		*out = false;
		return 0;
	}
	return -EINVAL;
}

static int imp_int(const struct cfg_opt *o, const char *v, char *lit, size_t cap, char *why)
{
	long long n = 0;

	for (size_t i = 0; !*v && i < sizeof(imp_bare_int) / sizeof(imp_bare_int[0]); i++)
		if (!strcmp(o->name, imp_bare_int[i].name))
			v = imp_bare_int[i].value;
	if (!*v)
		return snprintf(why, IMP_WHY_MAX, "needs a number"), -EINVAL;
	for (const char *c = v; *c; c++) {
		if (!isdigit((unsigned char)*c) || n > (1LL << 50))
			return snprintf(why, IMP_WHY_MAX, "not a number"), -EINVAL;
		n = n * 10 + (*c - '0');
	}
	/* coturn's relay-threads 0 is one thread; Tern's 0 is one per CPU. */
	if (!strcmp(o->name, "relay-threads") && n == 0) {
		n = 1;
		snprintf(why, IMP_WHY_MAX, "0 -> 1: coturn's 0 is a single relay thread");
	}
	if (n < o->min || n > o->max)
		return snprintf(why, IMP_WHY_MAX, "out of range %lld..%lld", o->min, o->max),
		       -EINVAL;
	snprintf(lit, cap, "%lld", n);
	return 0;
}

/* Checks a string or list item with the option's own validator. */
static int imp_str(const struct cfg_opt *o, const char *v, char **lit, char *why)
{
	if (!strcmp(o->name, "log-file") && !strcmp(v, "-")) {
		v = "stdout";
		snprintf(why, IMP_WHY_MAX, "\"-\" -> \"stdout\"");
	}
	if (*v && o->check) {
		char reason[IMP_WHY_MAX];

		if (o->check(v, reason, sizeof(reason)) < 0)
			return snprintf(why, IMP_WHY_MAX, "%s", reason), -EINVAL;
	}
	if (*v && *v != '/' &&
	    (!strcmp(o->name, "cert") || !strcmp(o->name, "pkey") || !strcmp(o->name, "dh-file")))
		snprintf(why, IMP_WHY_MAX,
			 "relative path: ternd opens it from its working directory (coturn "
			 "searched its configuration directories)");
	*lit = imp_quote(v);
	return 0;
}

/* The libconfig literal of value for o into *lit (owned); a note or the error into why. */
static int imp_value(const struct cfg_opt *o, const char *v, char **lit, char *why)
{
	char num[32];
	bool b;

	why[0] = '\0';
	switch (o->type) {
	case CFG_BOOL:
		if (imp_bool(v, &b) < 0)
			return snprintf(why, IMP_WHY_MAX, "not a boolean"), -EINVAL;
		*lit = imp_strdup(b ? "true" : "false");
		return 0;
	case CFG_INT:
		if (imp_int(o, v, num, sizeof(num), why) < 0)
			return -EINVAL;
		*lit = imp_strdup(num);
		return 0;
	default:
		return imp_str(o, v, lit, why);
	}
}

static void imp_entry_add(struct imp *im, int line, size_t opt, const char *name, bool skipped,
			  const char *fmt, ...) __attribute__((format(printf, 6, 7)));

static void imp_entry_add(struct imp *im, int line, size_t opt, const char *name, bool skipped,
			  const char *fmt, ...)
{
	struct imp_entry *e;
	va_list ap;

	if (im->nent == im->cap) {
		im->cap = im->cap ? 2 * im->cap : 64;
		im->ent = realloc(im->ent, im->cap * sizeof(*im->ent));
		if (!im->ent)
			abort();
	}
	e = &im->ent[im->nent];
	*e = (struct imp_entry){.line = line, .opt = opt, .skipped = skipped};
	e->name = name ? imp_strdup(name) : NULL;
	va_start(ap, fmt);
	if (vasprintf(&e->text, fmt, ap) < 0)
		abort();
	va_end(ap);
	im->nent++;
}

static void imp_skip(struct imp *im, int line, const char *name, const char *kind, const char *why)
{
	imp_entry_add(im, line, IMP_NONE, name, true, "%s: %s", kind, why);
}

static const char *imp_note(const char *name)
{
	for (size_t i = 0; i < sizeof(imp_notes) / sizeof(imp_notes[0]); i++)
		if (!strcmp(imp_notes[i].name, name))
			return imp_notes[i].note;
	return "";
}

/* Stores the value of line into o's slot and reports it. */
static void imp_set(struct imp *im, const struct cfg_opt *o, const char *name, const char *v,
		    int line)
{
	struct imp_slot *sl = &im->slot[imp_index(o)];
	char why[IMP_WHY_MAX], prev_text[32], *lit;
	int prev = sl->last;

	if (imp_value(o, v, &lit, why) < 0) {
		im->problems++;
		imp_skip(im, line, name, "BAD VALUE", why);
		return;
	}
	if (o->type == CFG_LIST && sl->items.n >= (size_t)o->max) {
		free(lit);
		im->problems++;
		snprintf(why, sizeof(why), "more than %lld items", o->max);
		imp_skip(im, line, name, "BAD VALUE", why);
		return;
	}
	if (!sl->first) {
		sl->first = line;
		im->order[im->norder++] = imp_index(o);
	}
	sl->last = line;
	if (o->type == CFG_LIST) {
		cli_strv_push(&sl->items, lit);
	} else {
		free(sl->value);
		sl->value = lit;
	}
	im->translated++;
	if (o->type == CFG_LIST || !prev)
		prev_text[0] = '\0';
	else
		snprintf(prev_text, sizeof(prev_text), " (replaces line %d)", prev);
	if (!why[0])
		snprintf(why, sizeof(why), "%s", imp_note(o->name));
	imp_entry_add(im, line, imp_index(o), name, false, "%s%s%s%s%s%s",
		      strcmp(name, o->name) ? "as " : "kept", strcmp(name, o->name) ? o->name : "",
		      prev_text, why[0] ? " (" : "", why, why[0] ? ")" : "");
}

/* coturn's parse_arg_string on s (modified in place). */
static void imp_split(char *s, char **name, char **value)
{
	size_t len;

	*name = s;
	s += strcspn(s, " =\t");
	if (*s)
		*s++ = '\0';
	s += strspn(s, " =\t");
	if (*s == '"') {
		s++;
		len = strlen(s);
		if (len && s[len - 1] == '"')
			s[len - 1] = '\0';
	}
	*value = s;
}

static void imp_line(struct imp *im, char *s, int line)
{
	const struct cfg_coturn *c = NULL;
	const struct cfg_opt *o;
	char *name, *value;
	bool on;

	imp_split(s, &name, &value);
	o = cfg_opt_find(name);
	if (!o)
		c = cfg_coturn_find(name);
	if (!*name) {
		im->problems++;
		imp_skip(im, line, "(none)", "BAD LINE", "no option name before the value");
	} else if (!o && !c) {
		im->problems++;
		imp_skip(im, line, name, "UNKNOWN",
			 "neither coturn 4.6 nor Tern has this option (coturn ignores it)");
	} else if (c && c->kind == CFG_COTURN_BUILTIN && !c->has_value &&
		   imp_bool(value, &on) == 0 && !on) {
		im->problems++; /* the opposite of what Tern always does */
		imp_skip(im, line, name, "UNSUPPORTED (set to false)", c->why);
	} else if (c && c->kind == CFG_COTURN_BUILTIN) {
		im->dropped++;
		imp_skip(im, line, name, "dropped, built in", c->why);
	} else if (c && c->kind == CFG_COTURN_UNSUPPORTED) {
		im->problems++;
		imp_skip(im, line, name, "UNSUPPORTED", c->why);
	} else if (c && !(o = cfg_opt_find(c->tern))) {
		im->problems++; /* a table row naming no option: a bug the unit test catches */
		imp_skip(im, line, name, "UNSUPPORTED", "its Tern name is not an option");
	} else {
		imp_set(im, o, name, value, line);
	}
}

/* Every line of text: blanks and comments skipped, trailing white space cut. */
static void imp_lines(struct imp *im, const char *text)
{
	int line = 0;

	for (const char *p = text; *p;) {
		size_t n = strcspn(p, "\n"), k = n;
		char *s = strndup(p, n), *b;

		if (!s)
			abort();
		line++;
		while (k && isspace((unsigned char)s[k - 1]))
			s[--k] = '\0';
		b = s + strspn(s, " \t");
		if (*b && *b != '#')
			imp_line(im, b, line);
		free(s);
		p += n + (p[n] == '\n');
	}
}

static struct imp_slot *imp_slot_of(struct imp *im, const char *name)
{
	return &im->slot[imp_index(cfg_opt_find(name))];
}

static bool imp_is_true(struct imp *im, const char *name)
{
	const struct imp_slot *sl = imp_slot_of(im, name);

	return sl->first && sl->value && !strcmp(sl->value, "true");
}

static bool imp_is_set(struct imp *im, const char *name)
{
	return imp_slot_of(im, name)->first != 0;
}

/* Takes name's setting out of the result, with why in the report of each of its lines. */
static void imp_unset(struct imp *im, const char *name, const char *why)
{
	size_t opt = imp_index(cfg_opt_find(name));
	struct imp_slot *sl = &im->slot[opt];

	for (size_t i = 0; i < im->nent; i++) {
		struct imp_entry *e = &im->ent[i];

		if (e->opt != opt)
			continue;
		free(e->text);
		if (asprintf(&e->text, "dropped: %s", why) < 0)
			abort();
		e->opt = IMP_NONE;
		e->skipped = true;
		im->translated--;
		im->dropped++;
	}
	free(sl->value);
	sl->value = NULL;
	cli_strv_free(&sl->items);
	sl->first = sl->last = 0;
}

/* What coturn decides from several options together (mainrelay.c, after reading them):
 * use-auth-secret or static-auth-secret turns TURN REST on (whatever use-auth-secret's
 * value), and then only REST credentials are accepted: user accounts are not loaded and
 * lt-cred-mech changes nothing ("shared secret overrides"). Tern accepts long-term users
 * beside REST when lt-cred-mech is given, so both are left out. With no credential setting
 * at all coturn relays for anyone; ternd refuses to start instead. */
static void imp_rules(struct imp *im)
{
	struct imp_slot *rest = imp_slot_of(im, "use-auth-secret");

	if (rest->first || imp_is_set(im, "static-auth-secret")) {
		imp_unset(im, "lt-cred-mech",
			  "with TURN REST on, coturn accepts only REST credentials; Tern would "
			  "accept long-term users too");
		imp_unset(im, "user", "coturn ignores user accounts while TURN REST is on");
		if (!imp_is_true(im, "use-auth-secret")) {
			if (!rest->first) {
				rest->first = imp_slot_of(im, "static-auth-secret")->first;
				im->order[im->norder++] =
					imp_index(cfg_opt_find("use-auth-secret"));
			}
			rest->last = rest->first;
			free(rest->value);
			rest->value = imp_strdup("true");
			imp_entry_add(im, rest->first, IMP_NONE, "use-auth-secret", false,
				      "set to true: coturn turns TURN REST on with "
				      "use-auth-secret of any value or static-auth-secret");
		}
	}
	if (!imp_is_set(im, "user") && !imp_is_set(im, "redis-userdb") &&
	    !imp_is_true(im, "use-auth-secret") && !imp_is_true(im, "no-auth") &&
	    !imp_is_true(im, "stun-only")) {
		im->problems++;
		im->no_cred = true;
		imp_entry_add(
			im, 0, IMP_NONE, NULL, false,
			"no credential source: coturn %s; ternd refuses to start: add user, "
			"redis-userdb or use-auth-secret with static-auth-secret (or no-auth = "
			"true if an open relay is meant)",
			imp_is_true(im, "lt-cred-mech")
				? "accepts no one (lt-cred-mech without users)"
				: "relays for anyone (no user, lt-cred-mech or TURN REST setting)");
	}
}

static void imp_write_setting(FILE *f, const struct cfg_opt *o, const struct imp_slot *sl)
{
	if (o->type == CFG_LIST) {
		fprintf(f, "%s = [", o->name);
		for (size_t i = 0; i < sl->items.n; i++)
			fprintf(f, "%s%s", i ? ", " : "", sl->items.v[i]);
		fprintf(f, "];");
	} else {
		fprintf(f, "%s = %s;", o->name, sl->value);
	}
	if (o->type != CFG_LIST || sl->first == sl->last)
		fprintf(f, " # line %d\n", sl->last);
	else
		fprintf(f, " # lines %d-%d\n", sl->first, sl->last);
}

static void imp_write_conf(const struct imp *im, const size_t *ix, FILE *f, const char *file)
{
	fprintf(f,
		"# ternd.conf translated by `ternctl config import` from coturn's %s.\n"
		"# Tern keeps coturn's names where it has the feature. TERN_* environment\n"
		"# variables and ternd's command line override these settings.\n\n",
		file);
	for (size_t i = 0; i < im->norder; i++) {
		const struct imp_slot *sl = &im->slot[im->order[i]];

		if (sl->first)
			imp_write_setting(f, &cfg_opts[im->order[i]], sl);
	}
	if (im->no_cred)
		fprintf(f, "\n# No credential source: ternd refuses to start until one is given\n"
			   "# (user, redis-userdb, use-auth-secret with static-auth-secret, or\n"
			   "# TERN_USER).\n");
	for (size_t i = 0, n = 0; i < im->nent; i++) {
		const struct imp_entry *e = &im->ent[ix[i]];

		if (!e->skipped)
			continue;
		if (n++ == 0)
			fprintf(f, "\n# Not carried over (the import's report says why):\n");
		fprintf(f, "#   line %d: %s: %s\n", e->line, e->name, e->text);
	}
}

static void imp_free(struct imp *im)
{
	for (size_t i = 0; i < CFG_MAX_OPTS; i++) {
		free(im->slot[i].value);
		cli_strv_free(&im->slot[i].items);
	}
	for (size_t i = 0; i < im->nent; i++) {
		free(im->ent[i].name);
		free(im->ent[i].text);
	}
	free(im->ent);
	free(im);
}

static int imp_line_key(const struct imp_entry *e)
{
	return e->line ? e->line : INT_MAX; /* findings about the whole file come last */
}

/* The entries in line order (stable: a line's own entry before a rule's note). */
static size_t *imp_sorted(const struct imp *im)
{
	size_t *ix = malloc((im->nent + 1) * sizeof(*ix));

	if (!ix)
		abort();
	for (size_t i = 0; i < im->nent; i++) {
		size_t j = i;

		for (; j > 0 && imp_line_key(&im->ent[ix[j - 1]]) > imp_line_key(&im->ent[i]); j--)
			ix[j] = ix[j - 1];
		ix[j] = i;
	}
	return ix;
}

static void imp_write_report(const struct imp *im, const size_t *ix, FILE *f, const char *file)
{
	for (size_t i = 0; i < im->nent; i++) {
		const struct imp_entry *e = &im->ent[ix[i]];

		if (e->name)
			fprintf(f, "line %d: %s: %s\n", e->line, e->name, e->text);
		else
			fprintf(f, "%s\n", e->text);
	}
	fprintf(f, "%s: %u translated, %u dropped with a reason, %u problem%s\n", file,
		im->translated, im->dropped, im->problems, im->problems == 1 ? "" : "s");
}

int cli_import_coturn(const char *text, const char *file, struct cli_import *out)
{
	struct imp *im = calloc(1, sizeof(*im));
	char *rep = NULL, *conf = NULL;
	size_t rep_len, conf_len, *ix;
	FILE *rf, *cf;

	if (!im)
		return -ENOMEM;
	rf = open_memstream(&rep, &rep_len);
	cf = open_memstream(&conf, &conf_len);
	if (!rf || !cf) {
		if (rf)
			fclose(rf);
		if (cf)
			fclose(cf);
		free(rep);
		free(conf);
		imp_free(im);
		return -ENOMEM;
	}
	imp_lines(im, text);
	imp_rules(im);
	ix = imp_sorted(im);
	imp_write_report(im, ix, rf, file);
	imp_write_conf(im, ix, cf, file);
	free(ix);
	fclose(rf);
	fclose(cf);
	*out = (struct cli_import){.conf = conf,
				   .report = rep,
				   .translated = im->translated,
				   .dropped = im->dropped,
				   .problems = im->problems};
	imp_free(im);
	return out->problems ? 1 : 0;
}

void cli_import_free(struct cli_import *im)
{
	free(im->conf);
	free(im->report);
	im->conf = im->report = NULL;
}
