/* ternctl's output: JSON strings (escaped, valid UTF-8) and the text list formats. */
#ifndef TERN_CLI_OUT_H
#define TERN_CLI_OUT_H

#include <stdio.h>

/* Writes s as a JSON string literal (with quotes): '"', '\\' and control characters
 * escaped; bytes that are not valid UTF-8 become U+FFFD. */
void cli_json_str(FILE *f, const char *s);

/* Writes "key": value pairs of strings / of integer-or-null (v < 0 is null), with a
 * leading ", " unless first. */
void cli_json_kv_str(FILE *f, int first, const char *key, const char *val);
void cli_json_kv_num(FILE *f, int first, const char *key, long long v);

/* Length of the valid UTF-8 sequence at s (1-4), or 0 when s starts an invalid one. */
int cli_utf8_len(const unsigned char *s);

#endif
