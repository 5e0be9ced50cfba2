/* Reload (app/app.h): what SIGHUP and the admin socket's reload change in a running
 * ternd. */
#include "app/app.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "app/app_tls.h"
#include "base/log.h"

int app_reload(struct app *a, char *why, size_t cap)
{
	int rc = log_reopen();

	if (rc < 0) {
		snprintf(why, cap, "log reopen failed: %s", strerror(-rc));
		log_err("app", "log reopen failed err=\"%s\"", strerror(-rc));
		return rc;
	}
	log_info("app", "log reopened");
	rc = app_tls_reload(a->tls, a->srv);
	if (rc < 0)
		snprintf(why, cap, "TLS certificates not reloaded: %s", strerror(-rc));
	return rc;
}
