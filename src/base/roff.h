/* Writing manual pages (man(7) roff) from text: the generators of ternd.8, ternd.conf.5
 * (app/mangen.c) and ternctl.8 (cli/cli_mangen.c) share these. Text is UTF-8; every
 * character roff would read as markup is escaped. Build-time tools only (not linked into
 * ternd or ternctl). */
#ifndef TERN_BASE_ROFF_H
#define TERN_BASE_ROFF_H

#include <stdio.h>

/* Writes s escaped for a text line: '\' as \e, '-' as \-, a '.' or '\'' starting a line
 * as \&., non-ASCII characters as \[uXXXX] (invalid UTF-8 as '?'). A newline in s stays a
 * newline (roff fills the lines into one paragraph). */
void roff_text(FILE *f, const char *s);
/* The same for the first n bytes of s. */
void roff_textn(FILE *f, const char *s, size_t n);
/* A macro line: ".NAME arg" with arg escaped (and double-quoted when it holds a space);
 * arg NULL: ".NAME" alone. */
void roff_macro(FILE *f, const char *name, const char *arg);
/* Writes a preformatted help text (a --help body of ternctl's verbs): lines that start
 * with a space are kept as they are (.nf), the others are filled; an empty line starts a
 * new paragraph (.IP within an indented entry when indented, else .PP). */
void roff_help(FILE *f, const char *text, int indented);

#endif
