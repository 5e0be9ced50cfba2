/* The entry point for one received STUN datagram or stream frame: decodes it, runs the
 * handler for its method and class, and writes the response (if any) into the caller's
 * buffer. Pure: no sockets, no libevent, no malloc, no logging, no clock. Called from a
 * worker thread; everything passed in is borrowed for the duration of the call. */
#ifndef TERN_TURN_DISPATCH_H
#define TERN_TURN_DISPATCH_H

#include <stddef.h>
#include <stdint.h>

#include "base/addr.h"

/* The transport a message arrived on. */
enum turn_transport {
	TURN_TRANSPORT_UDP = 0,
	TURN_TRANSPORT_TCP,
	TURN_TRANSPORT_TLS,
	TURN_TRANSPORT_DTLS,
};

/* Per-worker options, set up once with turn_opts_init and read on every message. */
struct turn_opts {
	const char *software;   /* SOFTWARE value (borrowed) or NULL: no SOFTWARE attribute */
	size_t software_len;
};

/* One received message. */
struct turn_pkt {
	const uint8_t *buf;             /* borrowed: the datagram or the whole frame */
	size_t len;
	const struct addr *src;         /* the client's transport address (borrowed) */
	const struct addr *local;       /* the server address it arrived on (borrowed) */
	enum turn_transport transport;
	void *sock;                     /* net's handle to answer on (turn_server_input) */
};

/* Fills *o; software (borrowed for o's lifetime) may be NULL or empty for none. */
void turn_opts_init(struct turn_opts *o, const char *software);

/* Handles one message. Returns:
 *   > 0   the length of the response written to out[0..cap);
 *   0     a valid message that needs no response (an indication);
 *   < 0   -EBADMSG: not STUN, malformed beyond answering, or a bad FINGERPRINT; the
 *         message was silently discarded (RFC 8489 §6.3).
 * ChannelData and non-STUN bytes are discarded (-EBADMSG). */
int turn_dispatch(const struct turn_opts *o, const struct turn_pkt *p, uint8_t *out,
		  size_t cap);

#endif
