/* Handshake-failure log lines for TLS/DTLS listeners: one line per failed handshake with
 * its reason, client address, SNI and offered version, rate-limited per worker so a scan
 * cannot flood the log. Pure: no OpenSSL, no clock (now_ms is an argument), no lock (one
 * limiter per worker). */
#ifndef TERN_NET_TLS_HSFAIL_H
#define TERN_NET_TLS_HSFAIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/addr.h"

/* At most max_per_s lines per one-second window; the rest are counted. */
struct tls_hsfail_limit {
	uint64_t window_ms; /* start of the current window */
	uint32_t max_per_s;
	uint32_t used;	     /* lines written in the current window */
	uint64_t suppressed; /* lines dropped since the last line written */
};

struct tls_hsfail {
	const char *reason;	   /* OpenSSL's error or alert text; NULL: "unknown" */
	const struct addr *client; /* borrows; NULL: "-" */
	const char *sni;	   /* NULL: "-" */
	int version;		   /* highest version the client offered (0x0303...); 0: "-" */
};

void tls_hsfail_limit_init(struct tls_hsfail_limit *l, uint32_t max_per_s);
/* True when a line may be written at now_ms; then *suppressed receives how many were
 * dropped since the previous line written (and the count restarts). False counts one more
 * suppressed line. */
bool tls_hsfail_limit_take(struct tls_hsfail_limit *l, uint64_t now_ms, uint64_t *suppressed);
/* Formats the line's fields "reason=\"...\" client=... sni=... version=... suppressed=K"
 * (suppressed only when nonzero) into buf; returns buf (always NUL-terminated). */
const char *tls_hsfail_format(const struct tls_hsfail *f, uint64_t suppressed, char *buf,
			      size_t len);
/* Logs the line (log_info, module "tls") when the limiter allows; returns whether it did. */
bool tls_hsfail_log(struct tls_hsfail_limit *l, const struct tls_hsfail *f, uint64_t now_ms);

#endif
