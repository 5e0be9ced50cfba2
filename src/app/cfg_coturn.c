/* coturn's options that Tern knows under another name, always applies, or does not have
 * (app/cfg_coturn.h). */
#include "app/cfg_coturn.h"

#include <string.h>

const struct cfg_coturn cfg_coturn_opts[] = {
	{"no-multicast-peers", 0, CFG_COTURN_BUILTIN, false, NULL,
	 "multicast peers are always denied"},
	{"no-cli", 0, CFG_COTURN_BUILTIN, false, NULL,
	 "Tern has no telnet CLI (ternctl uses the admin socket)"},
};

const unsigned cfg_coturn_nopts = sizeof(cfg_coturn_opts) / sizeof(cfg_coturn_opts[0]);

const struct cfg_coturn *cfg_coturn_find(const char *name)
{
	for (unsigned i = 0; i < cfg_coturn_nopts; i++)
		if (strcmp(cfg_coturn_opts[i].name, name) == 0)
			return &cfg_coturn_opts[i];
	return NULL;
}
