/* Allocation that aborts on failure: for start-up and control paths, never per packet. */
#ifndef TERN_BASE_XMALLOC_H
#define TERN_BASE_XMALLOC_H

#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);

#endif
