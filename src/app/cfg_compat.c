/* coturn's option names in ternd's own sources (file, TERN_* environment, command line):
 * the one table of app/cfg_coturn.c says what each means, so ternd and `ternctl config
 * import` always agree. */
#include "app/cfg_coturn.h"
#include "app/cfg_opt.h"

#include <errno.h>
#include <stdio.h>

int cfg_compat_resolve(struct cfg_state *st, const char *name, const struct cfg_where *w,
		       const struct cfg_opt **out)
{
	const struct cfg_coturn *c = cfg_coturn_find(name);
	char note[CFG_ERR_MAX / CFG_ERR_CAP], where[256];

	if (!c)
		return -ENOENT;
	switch (c->kind) {
	case CFG_COTURN_RENAMED:
		*out = cfg_opt_find(c->tern);
		/* A row naming no Tern option is the table's bug: refused like unknown. */
		return *out ? 0
			    : cfg_fail(st, w, "coturn option \"%s\": no Tern option %s", name,
				       c->tern);
	case CFG_COTURN_BUILTIN:
		cfg_where_str(w, where, sizeof(where));
		snprintf(note, sizeof(note), "coturn option %s ignored: %s (%s)", name, c->why,
			 where);
		cfg_list_add(&st->cfg->notes, note);
		return 1;
	case CFG_COTURN_UNSUPPORTED:
		break;
	}
	return cfg_fail(st, w, "coturn option \"%s\" is not supported by Tern: %s", name, c->why);
}
