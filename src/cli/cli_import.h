/* A coturn turnserver.conf translated into a ternd.conf (`ternctl config import`, the verb
 * is cli/cli_config.c). One table decides every name: Tern's options (app/cfg_opt.h) and
 * coturn's names Tern lacks (app/cfg_coturn.h), the same tables ternd reads. Pure: text in,
 * text out; no file access. */
#ifndef TERN_CLI_IMPORT_H
#define TERN_CLI_IMPORT_H

struct cli_import {
	char *conf;	     /* the ternd.conf, libconfig syntax; owned */
	char *report;	     /* a line per option line of the coturn file, then a summary; owned */
	unsigned translated; /* lines carried over (a Tern setting) */
	unsigned dropped;    /* lines dropped with a reason: Tern always behaves that way */
	unsigned problems;   /* unsupported, unknown, bad values, and ternd's refusals */
};

/* Translates text (a coturn configuration, borrowed, NUL-terminated; file names it in the
 * header) into *out, which the caller frees with cli_import_free. Never prints a value in
 * the report (passwords and secrets live in these files). Returns 0 when every option line
 * was translated or dropped with a reason, 1 when some line was unsupported, unknown or
 * held a bad value, or the result names no credential source (ternd would refuse to
 * start); *out holds the best translation either way. -ENOMEM with nothing to free when
 * the output buffers cannot be made (a later allocation failure aborts: ternctl's control
 * path has nothing to fall back on). */
int cli_import_coturn(const char *text, const char *file, struct cli_import *out);
void cli_import_free(struct cli_import *im);

#endif
