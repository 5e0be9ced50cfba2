/* ternd --check-config (app/check.h). */
#include "app/check.h"

#include <errno.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "app/app_tls.h"
#include "app/cfg.h"
#include "app/privdrop.h"
#include "base/xmalloc.h"

#define CHECK_ERR_MAX 1024

/* Whether path could be opened for writing (created in its directory when missing):
 * 0 or -errno. */
static int check_writable(const char *path)
{
	char *copy;
	int rc;

	if (access(path, F_OK) == 0)
		return access(path, W_OK) < 0 ? -errno : 0;
	if (errno != ENOENT)
		return -errno;
	copy = xstrdup(path);
	rc = access(dirname(copy), W_OK | X_OK) < 0 ? -errno : 0;
	free(copy);
	return rc;
}

/* The admin socket's directory: present and writable, or its parent can make it. */
static int check_admin_dir(const char *path)
{
	char *copy = xstrdup(path);
	const char *dir = dirname(copy);
	struct stat st;
	int rc;

	if (stat(dir, &st) == 0)
		rc = access(dir, W_OK | X_OK) < 0 ? -errno : 0;
	else
		rc = errno == ENOENT ? check_writable(dir) : -errno;
	free(copy);
	return rc;
}

static bool is_stream_sink(const char *log_file)
{
	return !log_file || !*log_file || strcmp(log_file, "stdout") == 0 ||
	       strcmp(log_file, "stderr") == 0 || strcmp(log_file, "syslog") == 0;
}

static unsigned check_files(const struct cfg *cfg, FILE *out)
{
	unsigned n = 0;
	int rc;

	if (!cfg->syslog && !is_stream_sink(cfg->log_file) &&
	    (rc = check_writable(cfg->log_file)) < 0 && ++n)
		fprintf(out, "ternd: log-file %s: cannot be written: %s\n", cfg->log_file,
			strerror(-rc));
	if (cfg->pidfile && (rc = check_writable(cfg->pidfile)) < 0 && ++n)
		fprintf(out, "ternd: pidfile %s: cannot be written: %s\n", cfg->pidfile,
			strerror(-rc));
	if (cfg->admin_socket && *cfg->admin_socket &&
	    (rc = check_admin_dir(cfg->admin_socket)) < 0 && ++n)
		fprintf(out, "ternd: admin-socket %s: its directory cannot be used: %s\n",
			cfg->admin_socket, strerror(-rc));
	return n;
}

unsigned app_check_config(const struct cfg *cfg, FILE *out)
{
	char err[CHECK_ERR_MAX];
	struct privdrop pd;
	unsigned n = check_files(cfg, out);

	if (app_tls_check(cfg, err, sizeof(err)) < 0 && ++n)
		fprintf(out, "ternd: TLS: %s\n", err);
	if (privdrop_lookup(cfg->proc_user, cfg->proc_group, &pd, err, sizeof(err)) < 0 && ++n)
		fprintf(out, "ternd: %s\n", err);
	return n;
}
