/* ternctl config import FILE [-o OUT] [--report REPORT]: coturn's turnserver.conf as a
 * ternd.conf (cli/cli_import.h translates). The result goes to OUT (created 0600: it holds
 * the file's secrets) or stdout, the report to REPORT or stderr.
 * Exit status: 0 every option translated or dropped with a reason; 1 something
 * unsupported, unknown or wrong (the best translation is still written); 2 usage, or a
 * file that cannot be read or written. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/cli_import.h"

/* coturn reads lines of 1 KiB; a configuration file is a few KiB. */
#define CLI_CONFIG_MAX (1u << 20)

/* The whole of path ("-": stdin) into *out (owned, NUL-terminated). CLI_OK or the exit
 * status. */
static int config_read(struct cli *c, const char *path, char **out)
{
	bool in = !strcmp(path, "-");
	FILE *f = in ? stdin : fopen(path, "re");
	char *buf;
	size_t n;

	if (!f)
		return cli_fail(c, CLI_USAGE, "cannot read %s: %s", path, strerror(errno));
	buf = malloc(CLI_CONFIG_MAX + 1);
	if (!buf) {
		if (!in)
			fclose(f);
		return cli_fail(c, CLI_USAGE, "out of memory");
	}
	n = fread(buf, 1, CLI_CONFIG_MAX + 1, f);
	if (ferror(f) || n > CLI_CONFIG_MAX || memchr(buf, '\0', n)) {
		int err = ferror(f) ? errno : 0;

		if (!in)
			fclose(f);
		free(buf);
		return cli_fail(c, CLI_USAGE, "cannot read %s: %s", path,
				err ? strerror(err) : "not a text file of at most 1 MiB");
	}
	if (!in)
		fclose(f);
	buf[n] = '\0';
	*out = buf;
	return CLI_OK;
}

/* Writes text to path (created or truncated, mode 0600 when created), or to f when path is
 * NULL. CLI_OK or the exit status. */
static int config_write(struct cli *c, const char *path, FILE *f, const char *text)
{
	size_t len = strlen(text);
	int fd, rc = 0;

	if (!path)
		return fwrite(text, 1, len, f) == len && fflush(f) == 0
			       ? CLI_OK
			       : cli_fail(c, CLI_USAGE, "write: %s", strerror(errno));
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return cli_fail(c, CLI_USAGE, "cannot write %s: %s", path, strerror(errno));
	for (size_t off = 0; off < len && rc == 0;) {
		ssize_t w = write(fd, text + off, len - off);

		if (w < 0 && errno != EINTR)
			rc = -errno;
		else if (w > 0)
			off += (size_t)w;
	}
	if (close(fd) < 0 && rc == 0)
		rc = -errno;
	if (rc)
		return cli_fail(c, CLI_USAGE, "cannot write %s: %s", path, strerror(-rc));
	return CLI_OK;
}

static int config_import_run(struct cli *c)
{
	const struct cli_opts *o = c->o;
	const char *path = o->args[0];
	struct cli_import im;
	char *text = NULL;
	int rc = config_read(c, path, &text);

	if (rc)
		return rc;
	rc = cli_import_coturn(text, strcmp(path, "-") ? path : "standard input", &im);
	free(text);
	if (rc < 0)
		return cli_fail(c, CLI_USAGE, "out of memory");
	if (config_write(c, o->output, stdout, im.conf) ||
	    config_write(c, o->report, stderr, im.report))
		rc = CLI_USAGE;
	else
		rc = rc ? CLI_REFUSED : CLI_OK;
	cli_import_free(&im);
	return rc;
}

static const struct cli_verb config_verbs[] = {
	{"import", "FILE [-o OUT] [--report REPORT]", "oRh", false, 1, "FILE", config_import_run,
	 "Translates coturn's configuration FILE (\"-\": stdin; turnserver.conf: name=value,\n"
	 "name value"
	 " or a bare flag, '#' comments, repeated lines for lists) into a ternd.conf.\n"
	 "coturn's names Tern has are kept; the others are renamed, dropped because Tern always\n"
	 "behaves that way, or reported unsupported, each with its reason (the same table\n"
	 "ternd uses for coturn names). The report gives one line per option line; values\n"
	 "are never printed in it.\n\n"
	 "  -o, --output=OUT     write the ternd.conf to OUT (created mode 0600) instead of\n"
	 "                       stdout\n"
	 "      --report=REPORT  write the report to REPORT instead of stderr\n"
	 "Exit status 1 when a line is unsupported, unknown or holds a bad value, or the\n"
	 "result has no credential source (ternd would refuse it); the best translation is\n"
	 "written all the same.\n"},
};

const struct cli_group cli_config_group = {
	"config",
	"translate a coturn turnserver.conf into a ternd.conf",
	config_verbs,
	1,
};
