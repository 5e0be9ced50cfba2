/* Minimal TAP producer for unit tests: each CHECK is one test point.
 * Usage: CHECK(cond, "what"); ... return tap_done(); */
#ifndef TERN_TESTS_TAP_H
#define TERN_TESTS_TAP_H

#include <stdio.h>
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

static inline int tap_done(void)
{
	printf("1..%d\n", tap_n);
	fflush(stdout);
	return tap_failed ? 1 : 0;
}

#endif
