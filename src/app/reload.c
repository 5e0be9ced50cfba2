/* Reload (app/app.h): what SIGHUP and the admin socket's reload change in a running
 * ternd. The configuration is read again as at start; the options that need a restart
 * keep their running values (cfg_reload_load); a new generation of the TURN settings and
 * credential stores is built before anything changes (app_turn_prepare), the log sink
 * follows, then every worker takes the new generation through its notify queue
 * (app_turn_swap), and the TLS certificates are read again. */
#include "app/app.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/app_tls.h"
#include "app/app_turn.h"
#include "app/cfg.h"
#include "base/log.h"
#include "base/xmalloc.h"

extern char **environ;

#define APP_RELOAD_NAMES 512

static bool app_str_eq(const char *a, const char *b)
{
	return (!a || !b) ? a == b : strcmp(a, b) == 0;
}

/* The log sink of cfg: the file (or syslog) opened anew when it changed, else reopened
 * (rotation); then the level. 0, or -errno with why set (sink and level unchanged). */
static int app_reload_log(const struct cfg *old, const struct cfg *cfg, char *why, size_t cap)
{
	int rc;

	if (app_str_eq(old->log_file, cfg->log_file) && old->syslog == cfg->syslog) {
		rc = log_reopen();
		if (rc < 0)
			snprintf(why, cap, "log file %s not reopened: %s",
				 cfg->log_file ? cfg->log_file : "-", strerror(-rc));
	} else {
		/* syslog on or off: the sink starts again from stderr. */
		if (old->syslog != cfg->syslog)
			log_close();
		rc = log_open(cfg->log_file, cfg->syslog, (enum log_level)old->log_level);
		if (rc < 0) {
			snprintf(why, cap, "log file %s not opened: %s",
				 cfg->log_file ? cfg->log_file : "-", strerror(-rc));
			if (old->syslog != cfg->syslog)
				log_open(old->log_file, old->syslog,
					 (enum log_level)old->log_level);
		}
	}
	if (rc == 0)
		log_set_level((enum log_level)cfg->log_level);
	if (rc == 0)
		log_set_format(log_format_parse(cfg->log_format) == LOG_FMT_JSON ? LOG_FMT_JSON
										 : LOG_FMT_TEXT);
	if (rc == 0)
		log_set_facility(log_facility_parse(cfg->syslog_facility));
	return rc;
}

/* Reads the configuration again into a new struct cfg (*out, heap). 0, or -EINVAL with
 * why set. */
static int app_reload_load(struct app *a, struct cfg **out, char *why, size_t cap)
{
	char err[CFG_ERR_MAX], kept[APP_RELOAD_NAMES];
	/* getopt_long permutes the vector it parses: a copy of the pointers each time. */
	char **argv = xcalloc((size_t)a->argc + 1, sizeof(*argv));
	struct cfg *cfg = xcalloc(1, sizeof(*cfg));
	int rc;

	memcpy(argv, a->argv, (size_t)a->argc * sizeof(*argv));
	rc = cfg_reload_load(a->argc, argv, environ, a->cfg, cfg, err, kept, sizeof(kept));
	free(argv);
	if (rc < 0) {
		/* Every error on one line (the log's and ternctl reload's), "; " between. */
		size_t k =
			(size_t)snprintf(why, cap, "configuration not reloaded, nothing changed: ");

		for (char *p = err; *p && k + 3 < cap; p++)
			k += (size_t)(*p == '\n' ? snprintf(why + k, cap - k, "; ")
						 : snprintf(why + k, cap - k, "%c", *p));
		free(cfg);
		return rc;
	}
	if (kept[0])
		log_warn("app", "reload: options need a restart, running values kept options=%s",
			 kept);
	*out = cfg;
	return 0;
}

static void app_reload_free_cfg(struct cfg *cfg)
{
	cfg_free(cfg);
	free(cfg);
}

int app_reload(struct app *a, char *why, size_t cap)
{
	char changed[APP_RELOAD_NAMES];
	char full[CFG_ERR_MAX + 64]; /* every configuration error, logged in full */
	struct app_turn_gen *g;
	struct cfg *cfg;
	int rc = app_reload_load(a, &cfg, full, sizeof(full));

	if (rc < 0) {
		log_err("app", "reload failed err=\"%s\"", full);
		snprintf(why, cap, "%s", full);
		return rc;
	}
	if (rc == 0 && (rc = app_turn_prepare(a->turn, cfg, &g)) < 0) {
		snprintf(why, cap, "TURN settings not built, nothing changed: %s", strerror(-rc));
		app_reload_free_cfg(cfg);
	} else if (rc == 0 && (rc = app_reload_log(a->cfg, cfg, why, cap)) < 0) {
		app_turn_abort(g);
	}
	if (rc < 0) {
		log_err("app", "reload failed err=\"%s\"", why);
		return rc;
	}
	cfg_changed(a->cfg, cfg, changed, sizeof(changed));
	/* The old configuration may go with the old generation: nothing reads it after this. */
	a->cfg = cfg;
	cfg_publish(cfg);
	app_tls_set_cfg(a->tls, cfg);
	rc = app_turn_swap(a->turn, g, a->srv);
	if (rc < 0) {
		snprintf(why, cap, "a worker kept the old TURN settings: %s", strerror(-rc));
		log_err("app", "reload incomplete err=\"%s\"", why);
		return rc;
	}
	log_info("app", "reloaded changed=%s", changed[0] ? changed : "none");
	cfg_log_summary(cfg);
	rc = app_tls_reload(a->tls, a->srv);
	if (rc < 0)
		snprintf(why, cap, "TLS certificates not reloaded: %s", strerror(-rc));
	return rc;
}
