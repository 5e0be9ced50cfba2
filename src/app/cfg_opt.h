/* The option table and the one place values are parsed and stored. Internal to the
 * configuration files of src/app/ (cfg*.c). */
#ifndef TERN_APP_CFG_OPT_H
#define TERN_APP_CFG_OPT_H

#include <stdbool.h>
#include <stddef.h>

#include "app/cfg.h"

enum cfg_type {
	CFG_BOOL,  /* bool; 1/0/true/false/yes/no/on/off */
	CFG_INT,   /* long long within [min, max] */
	CFG_STR,   /* char *, owned; empty = NULL */
	CFG_LIST,  /* struct cfg_list; at most max items; repeatable */
	CFG_LEVEL, /* int, one of enum log_level by name */
};

/* Sources in increasing precedence. */
enum cfg_src {
	CFG_SRC_DEFAULT,
	CFG_SRC_FILE,
	CFG_SRC_ENV,
	CFG_SRC_CLI,
};

/* Where a value came from, for messages. */
struct cfg_where {
	enum cfg_src src;
	const char *file; /* CFG_SRC_FILE: file name */
	int line;	  /* CFG_SRC_FILE: line, 0 if unknown */
	const char *name; /* CFG_SRC_ENV: variable; CFG_SRC_CLI: option as typed;
			   * CFG_SRC_FILE: a coturn name as typed, or NULL */
};

/* Validates one string or list item; on error writes the reason into why. 0 or -EINVAL. */
typedef int (*cfg_check_cb)(const char *value, char *why, size_t len);

#define CFG_F_UNUSED 1u /* parsed and validated, no effect yet: "(not yet used)" in --help */
/* Items are "name:secret"; the secret is never printed (a string: never printed at all). */
#define CFG_F_SECRET 2u
/* A reload (SIGHUP, ternctl reload; app/reload.c) applies it to the running server. Every
 * other option keeps its value until a restart, and a reload that finds it changed names
 * it in a warning (app/cfg_diff.c). */
#define CFG_F_RELOAD 4u

struct cfg_opt {
	const char *name; /* file setting and --long option */
	char short_name;  /* -x, or 0 */
	enum cfg_type type;
	size_t off;	    /* offsetof(struct cfg, field) */
	const char *def;    /* default, parsed like any other value; NULL = unset/empty */
	long long min, max; /* CFG_INT: range; CFG_LIST: max = most items */
	cfg_check_cb check; /* CFG_STR/CFG_LIST: item validator, or NULL */
	unsigned flags;	    /* CFG_F_* */
	const char *help;
};

extern const struct cfg_opt cfg_opts[];
extern const size_t cfg_nopts;

#define CFG_MAX_OPTS 160

/* One load in progress: which source last set each option (a list is replaced by a
 * higher source and extended within the same one). */
struct cfg_state {
	struct cfg *cfg;
	enum cfg_src set_by[CFG_MAX_OPTS];
	char *err;	       /* CFG_ERR_MAX bytes: every error so far, one a line */
	unsigned nerr;	       /* errors found (lines beyond CFG_ERR_CAP are counted only) */
	const struct cfg *old; /* a reload's running configuration, or NULL */
};

/* The field of cfg that row o describes. */
void *cfg_field(const struct cfg *cfg, const struct cfg_opt *o);
/* Row by setting name, or NULL. */
const struct cfg_opt *cfg_opt_find(const char *name);
/* "TERN_LISTENING_PORT" for "listening-port" into buf. */
void cfg_opt_env_name(const struct cfg_opt *o, char *buf, size_t len);
void cfg_env_name(const char *name, char *buf, size_t len);
/* A name that is not a row, looked up in coturn's (app/cfg_coturn.h; app/cfg_compat.c):
 * RENAMED: *out = Tern's row, returns 0; BUILTIN: a note "coturn option NAME ignored:
 * <why>" is added, returns 1; UNSUPPORTED: an error with the reason, -EINVAL;
 * unknown to coturn too: -ENOENT (nothing recorded). */
int cfg_compat_resolve(struct cfg_state *st, const char *name, const struct cfg_where *w,
		       const struct cfg_opt **out);
/* Parses value (borrowed) and stores it; a list gets one item appended. 0, or -EINVAL
 * with st->err naming option, value and source. */
int cfg_opt_set(struct cfg_state *st, const struct cfg_opt *o, const char *value,
		const struct cfg_where *w);
/* Starts a list assignment from source w: empties the list unless w's source set it. */
void cfg_opt_list_begin(struct cfg_state *st, const struct cfg_opt *o, const struct cfg_where *w);
/* Writes "file:line", "environment NAME" or "command line NAME". */
void cfg_where_str(const struct cfg_where *w, char *buf, size_t len);
/* Adds the line "<message> (<where>)" (w NULL: "<message>") to st->err and returns
 * -EINVAL; the load goes on and fails at its end. */
int cfg_fail(struct cfg_state *st, const struct cfg_where *w, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Formats an option's current value (CFG_F_SECRET items as "name:***") into buf. */
void cfg_opt_format(const struct cfg *cfg, const struct cfg_opt *o, char *buf, size_t len);

/* Reload (app/cfg_diff.c). cfg_opt_eq: whether a and b hold the same value of o.
 * cfg_opt_copy: src's value of o into dst (strings copied). cfg_keep_restart: every
 * option that differs between old and cfg and cannot change in a running ternd (no
 * CFG_F_RELOAD; cert switching TLS on or off) gets old's value back in cfg; their names,
 * comma-separated, go into names (cap bytes); returns how many. */
bool cfg_opt_eq(const struct cfg *a, const struct cfg *b, const struct cfg_opt *o);
void cfg_opt_copy(struct cfg *dst, const struct cfg *src, const struct cfg_opt *o);
size_t cfg_keep_restart(const struct cfg *old, struct cfg *cfg, char *names, size_t cap);

void cfg_list_add(struct cfg_list *l, const char *s);
void cfg_list_clear(struct cfg_list *l);

/* Sources. Each returns 0 or -EINVAL with st->err set. */
int cfg_file_load(struct cfg_state *st, const char *path); /* NULL = embedded */
int cfg_env_load(struct cfg_state *st, char **envp);
/* TERN_CONFIG from envp (borrowed), or NULL. */
const char *cfg_env_config(char **envp);
/* Pending command-line values, parsed before the file is read and applied last. */
struct cfg_cli;
int cfg_cli_parse(struct cfg_state *st, int argc, char **argv, struct cfg_cli **out);
int cfg_cli_apply(struct cfg_state *st, const struct cfg_cli *cli);
void cfg_cli_free(struct cfg_cli *cli);

/* Item validators used by the table. */
int cfg_check_ip(const char *value, char *why, size_t len);
int cfg_check_ip_pair(const char *value, char *why, size_t len);
int cfg_check_ip_range(const char *value, char *why, size_t len);
int cfg_check_user(const char *value, char *why, size_t len);
int cfg_check_stun_text(const char *value, char *why, size_t len);
int cfg_check_redis_userdb(const char *value, char *why, size_t len);
int cfg_check_separator(const char *value, char *why, size_t len);
int cfg_check_tls_cert(const char *value, char *why, size_t len);
int cfg_check_log_format(const char *value, char *why, size_t len);
int cfg_check_syslog_facility(const char *value, char *why, size_t len);
int cfg_check_ifname(const char *value, char *why, size_t len);
int cfg_check_xdp_mode(const char *value, char *why, size_t len);
/* xdp-mode: "auto", "native" or "generic" -> enum net_xdp_mode, or -EINVAL. */
int cfg_xdp_mode_parse(const char *value);
int cfg_check_alt_server(const char *value, char *why, size_t len); /* app/cfg_alt.c */
int cfg_check_dns_name(const char *value, char *why, size_t len);
int cfg_check_node_name(const char *value, char *why, size_t len);
int cfg_check_fleet_fallback(const char *value, char *why, size_t len);

#endif
