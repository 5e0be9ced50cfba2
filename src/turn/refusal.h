/* Refusal log lines (module "session"): one line per refused request — 401 for an unknown
 * user, a wrong MESSAGE-INTEGRITY or another realm (never the 401 challenge to a request
 * without credentials: that is the normal first step), 403, 486, 508, 437, 441 — with the
 * user, the client and the reason. Each reason has its own token bucket per worker
 * (TURN_REFUSAL_BURST lines, then TURN_REFUSAL_RATE a second), so a flood cannot fill the
 * disk; the next line that passes says how many were suppressed. Internal to turn/; the
 * worker thread. */
#ifndef TERN_TURN_REFUSAL_H
#define TERN_TURN_REFUSAL_H

#include <stdint.h>

#include "turn/ratelimit.h"

#define TURN_REFUSAL_RATE  1  /* lines per second, per reason, per worker */
#define TURN_REFUSAL_BURST 10 /* lines at once, per reason, per worker */

enum turn_refusal {
	TURN_REF_UNKNOWN_USER,	/* 401: no key for the USERNAME */
	TURN_REF_BAD_INTEGRITY, /* 401: MESSAGE-INTEGRITY does not verify */
	TURN_REF_WRONG_REALM,	/* 401: integrity under another REALM */
	TURN_REF_FORBIDDEN,	/* 403: by local policy (no-udp-relay, ...) */
	TURN_REF_PEER_DENIED,	/* 403: the peer address is not allowed (RFC 8656 §9.1) */
	TURN_REF_MISMATCH,	/* 437 */
	TURN_REF_WRONG_CREDS,	/* 441 */
	TURN_REF_QUOTA,		/* 486 */
	TURN_REF_CAPACITY,	/* 508 */
	TURN_REF_N,
};

/* The per-worker state (in struct turn_server); zeroed is ready. */
struct turn_refusal_log {
	struct tbucket tb[TURN_REF_N];
	uint64_t suppressed[TURN_REF_N];
	bool started;
};

struct turn_ctx;
/* The line for x's request, refused for why with code (within the reason's budget). */
void turn_refusal(struct turn_ctx *x, enum turn_refusal why, int code);
/* The line for an error response turn_resp_error builds, when code is one logged. */
void turn_refusal_code(struct turn_ctx *x, int code);

#endif
