/* The request context handed to the per-method handlers, and the handlers themselves.
 * Internal to turn/: net/ calls turn_server_input (turn/server.h) or, for Binding only,
 * turn_dispatch (turn/dispatch.h). */
#ifndef TERN_TURN_HANDLER_H
#define TERN_TURN_HANDLER_H

#include <stddef.h>
#include <stdint.h>

#include "stun/msg.h"
#include "turn/dispatch.h"

/* One decoded message and where it came from. All borrowed for one dispatch call. */
struct turn_req {
	const struct stun_msg *msg;
	const struct turn_pkt *pkt;
	const struct turn_opts *opts;
};

/* A handler writes its response into out[0..cap) and returns its length, 0 for no
 * response, or -EBADMSG to discard (same contract as turn_dispatch). */
typedef int (*turn_handler_cb)(const struct turn_req *r, uint8_t *out, size_t cap);

/* Builds the error response to r's request through stun_enc_error_response (the one
 * place), echoing FINGERPRINT when the request carried one. */
int turn_error_response(const struct turn_req *r, int code, uint8_t *out, size_t cap);
/* RFC 8489 §6.3.1.1: if the request carries unknown comprehension-required attributes,
 * writes the 420 response and returns its length; otherwise returns 0. */
int turn_check_unknown(const struct turn_req *r, uint8_t *out, size_t cap);

/* A message whose header is sound but whose attributes failed to decode (why: the reason
 * stun_msg_decode left in m->why): a request gets 400, anything else -EBADMSG
 * (RFC 8489 §6.3). */
int turn_decode_failed(const uint8_t *buf, enum stun_derr why, uint8_t *out, size_t cap);

/* Binding (RFC 8489 §6.3, turn/method/binding.c). */
int turn_binding_request(const struct turn_req *r, uint8_t *out, size_t cap);
int turn_binding_indication(const struct turn_req *r, uint8_t *out, size_t cap);

#endif
