/* Checks on stun/ failures: the -errno a function returned and the reason it reported
 * (stun/err.h), both, and that the two agree with the table. */
#ifndef TERN_TESTS_STUN_CHECK_H
#define TERN_TESTS_STUN_CHECK_H

#include "stun/err.h"
#include "tap.h"

/* rc must be -err, why must be want, and err must be want's errno in the table. rc is
 * evaluated before why (why may be a field rc's call writes). */
#define CHECK_DERR(rc, why, err, want, ...)                                                        \
	do {                                                                                       \
		int cd_rc_ = (rc);                                                                 \
		enum stun_derr cd_why_ = (why);                                                    \
		int cd_ok_ =                                                                       \
			cd_rc_ == -(err) && cd_why_ == (want) && stun_derr_errno(want) == (err);   \
		CHECK(cd_ok_, __VA_ARGS__);                                                        \
		if (!cd_ok_)                                                                       \
			printf("#   got %d (%s), want %d (%s)\n", cd_rc_, stun_derr_str(cd_why_),  \
			       -(err), stun_derr_str(want));                                       \
	} while (0)

#endif
