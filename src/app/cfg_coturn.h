/* coturn's option names (turnserver.conf and turnserver's command line), one row each,
 * saying what Tern does with them. ternd accepts a RENAMED or BUILTIN name in the file,
 * the environment and on the command line; `ternctl config import` translates a coturn
 * file with the same table and reports every row it used. Names ternd has as they are
 * (cfg_opt_find finds them) need no row. */
#ifndef TERN_APP_CFG_COTURN_H
#define TERN_APP_CFG_COTURN_H

#include <stdbool.h>

enum cfg_coturn_kind {
	CFG_COTURN_RENAMED,	/* Tern has it as .tern (same meaning, same value syntax) */
	CFG_COTURN_BUILTIN,	/* Tern always behaves this way (.why): accepted, no effect */
	CFG_COTURN_UNSUPPORTED, /* not in Tern (.why): refused by ternd, reported by import */
};

struct cfg_coturn {
	const char *name; /* coturn's long name */
	char short_name;  /* coturn's short option, or 0 */
	enum cfg_coturn_kind kind;
	bool has_value;	  /* takes a value (a flag otherwise) */
	const char *tern; /* CFG_COTURN_RENAMED: Tern's option name */
	const char *why;  /* BUILTIN and UNSUPPORTED: one line for messages and the report */
};

extern const struct cfg_coturn cfg_coturn_opts[];
extern const unsigned cfg_coturn_nopts;

/* The row of coturn option name, or NULL. */
const struct cfg_coturn *cfg_coturn_find(const char *name);

#endif
