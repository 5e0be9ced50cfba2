/* Environment variables: TERN_<NAME> for every option (upper case, '-' becomes '_').
 * A list option takes comma- or space-separated items. TERN_CONFIG names the file when
 * -c is not given. Other TERN_* variables are reported as warnings. */
#include "app/cfg_opt.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/cfg_coturn.h"
#include "base/xmalloc.h"

#define ENV_NAME_MAX 64
#define LIST_SEPS    ", \t\n"

static const char *env_get(char **envp, const char *name)
{
	size_t n = strlen(name);

	for (char **e = envp; e && *e; e++)
		if (strncmp(*e, name, n) == 0 && (*e)[n] == '=')
			return *e + n + 1;
	return NULL;
}

const char *cfg_env_config(char **envp)
{
	const char *v = env_get(envp, "TERN_CONFIG");

	return v && *v ? v : NULL;
}

static int set_list(struct cfg_state *st, const struct cfg_opt *o, const char *value,
		    const struct cfg_where *w)
{
	char *copy = xstrdup(value), *save = NULL;
	int rc = 0;

	cfg_opt_list_begin(st, o, w);
	for (char *t = strtok_r(copy, LIST_SEPS, &save); t; t = strtok_r(NULL, LIST_SEPS, &save))
		if (cfg_opt_set(st, o, t, w) < 0)
			rc = -EINVAL;
	free(copy);
	return rc;
}

static int set_value(struct cfg_state *st, const struct cfg_opt *o, const char *v,
		     const struct cfg_where *w)
{
	return o->type == CFG_LIST ? set_list(st, o, v, w) : cfg_opt_set(st, o, v, w);
}

/* TERN_<NAME> for coturn's names (app/cfg_coturn.h): after Tern's own, so that a Tern
 * name given as well is overridden only by a coturn name set explicitly. */
static int env_coturn(struct cfg_state *st, char **envp)
{
	char name[ENV_NAME_MAX];
	int ret = 0;

	for (unsigned i = 0; i < cfg_coturn_nopts; i++) {
		const struct cfg_coturn *c = &cfg_coturn_opts[i];
		struct cfg_where w = {.src = CFG_SRC_ENV, .name = name};
		const struct cfg_opt *o;
		const char *v;
		int rc;

		cfg_env_name(c->name, name, sizeof(name));
		v = env_get(envp, name);
		if (!v)
			continue;
		rc = cfg_compat_resolve(st, c->name, &w, &o);
		if (rc == 0)
			rc = set_value(st, o, v, &w);
		if (rc < 0 && rc != -ENOENT)
			ret = rc;
	}
	return ret;
}

/* Adds a warning for each TERN_* variable that names no option. */
static void warn_unknown(struct cfg_state *st, char **envp)
{
	char name[ENV_NAME_MAX], env[ENV_NAME_MAX], msg[CFG_ERR_MAX];

	for (char **e = envp; e && *e; e++) {
		size_t n = strcspn(*e, "=");
		bool known = false;

		if (strncmp(*e, "TERN_", 5) != 0 || n >= sizeof(name))
			continue;
		memcpy(name, *e, n);
		name[n] = '\0';
		known = strcmp(name, "TERN_CONFIG") == 0;
		for (size_t i = 0; i < cfg_nopts && !known; i++) {
			cfg_opt_env_name(&cfg_opts[i], env, sizeof(env));
			known = strcmp(env, name) == 0;
		}
		for (unsigned i = 0; i < cfg_coturn_nopts && !known; i++) {
			cfg_env_name(cfg_coturn_opts[i].name, env, sizeof(env));
			known = strcmp(env, name) == 0;
		}
		if (known)
			continue;
		snprintf(msg, sizeof(msg), "environment variable %s names no option; ignored",
			 name);
		cfg_list_add(&st->cfg->warnings, msg);
	}
}

int cfg_env_load(struct cfg_state *st, char **envp)
{
	char name[ENV_NAME_MAX];
	int ret = 0;

	for (size_t i = 0; i < cfg_nopts; i++) {
		const struct cfg_opt *o = &cfg_opts[i];
		struct cfg_where w = {.src = CFG_SRC_ENV, .name = name};
		const char *v;

		cfg_opt_env_name(o, name, sizeof(name));
		v = env_get(envp, name);
		if (v && set_value(st, o, v, &w) < 0)
			ret = -EINVAL;
	}
	if (env_coturn(st, envp) < 0)
		ret = -EINVAL;
	warn_unknown(st, envp);
	return ret;
}
