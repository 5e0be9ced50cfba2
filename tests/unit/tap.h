/* Minimal TAP producer for unit tests: each CHECK is one test point.
 * Usage: CHECK(cond, "what"); ... return tap_done(); */
#ifndef TERN_TESTS_TAP_H
#define TERN_TESTS_TAP_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int tap_n, tap_failed;

#define CHECK(cond, ...)                                                                           \
	do {                                                                                       \
		int tap_ok_ = !!(cond); /* evaluated once */                                       \
		tap_n++;                                                                           \
		if (tap_ok_) {                                                                     \
			printf("ok %d - ", tap_n);                                                 \
		} else {                                                                           \
			tap_failed++;                                                              \
			printf("not ok %d - ", tap_n);                                             \
		}                                                                                  \
		printf(__VA_ARGS__);                                                               \
		printf("\n");                                                                      \
		if (!tap_ok_)                                                                      \
			printf("#   at %s:%d: %s\n", __FILE__, __LINE__, #cond);                   \
	} while (0)

#define CHECK_EQ_INT(a, b, ...)                                                                    \
	do {                                                                                       \
		long long tap_a_ = (long long)(a), tap_b_ = (long long)(b);                        \
		CHECK(tap_a_ == tap_b_, __VA_ARGS__);                                              \
		if (tap_a_ != tap_b_)                                                              \
			printf("#   got %lld, want %lld\n", tap_a_, tap_b_);                       \
	} while (0)

#define CHECK_MEM(a, b, n, ...) CHECK(memcmp((a), (b), (n)) == 0, __VA_ARGS__)

/* The whole file at path in a fresh NUL-terminated buffer (the caller frees it): empty when
 * the file cannot be read, NULL only when out of memory. */
static inline char *tap_slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;

	if (!f)
		return calloc(1, 1);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = calloc(1, n > 0 ? (size_t)n + 1 : 1);
	if (buf && n > 0 && fread(buf, 1, (size_t)n, f) != (size_t)n)
		buf[0] = '\0';
	fclose(f);
	return buf;
}

static inline int tap_done(void)
{
	printf("1..%d\n", tap_n);
	fflush(stdout);
	return tap_failed ? 1 : 0;
}

#endif
