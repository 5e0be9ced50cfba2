/* A growable vector of owned strings (control path only). */
#ifndef TERN_CLI_STRV_H
#define TERN_CLI_STRV_H

#include <stddef.h>

struct cli_strv {
	char **v;
	size_t n, cap;
};

/* Appends s; takes ownership (s came from malloc). */
void cli_strv_push(struct cli_strv *sv, char *s);
/* Sorts bytewise and drops duplicates (SCAN may return a key more than once). */
void cli_strv_sort_uniq(struct cli_strv *sv);
void cli_strv_free(struct cli_strv *sv);

#endif
