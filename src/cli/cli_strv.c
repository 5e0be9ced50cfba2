/* A growable vector of owned strings. */
#include "config.h"

#include "cli/cli_strv.h"

#include <stdlib.h>
#include <string.h>

#include "base/xmalloc.h"

void cli_strv_push(struct cli_strv *sv, char *s)
{
	if (sv->n == sv->cap) {
		sv->cap = sv->cap ? 2 * sv->cap : 16;
		sv->v = xrealloc(sv->v, sv->cap * sizeof(*sv->v));
	}
	sv->v[sv->n++] = s;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void cli_strv_sort_uniq(struct cli_strv *sv)
{
	size_t w = 0;

	if (sv->n == 0)
		return;
	qsort(sv->v, sv->n, sizeof(*sv->v), cmp_str);
	for (size_t r = 1; r < sv->n; r++) {
		if (strcmp(sv->v[w], sv->v[r]) == 0)
			free(sv->v[r]);
		else
			sv->v[++w] = sv->v[r];
	}
	sv->n = w + 1;
}

void cli_strv_free(struct cli_strv *sv)
{
	for (size_t i = 0; i < sv->n; i++)
		free(sv->v[i]);
	free(sv->v);
	sv->v = NULL;
	sv->n = sv->cap = 0;
}
