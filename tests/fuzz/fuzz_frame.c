/* libFuzzer target: frame the input as a byte stream delivered in chunks whose sizes come
 * from the input itself, parse every ChannelData frame, decode every STUN frame. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "stun/chdata.h"
#include "stun/err.h"
#include "stun/frame.h"
#include "stun/msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_MAX_FRAME 4096

static void fuzz_frame_one(const uint8_t *p, size_t len, enum stun_frame_kind kind)
{
	struct stun_chdata cd;
	struct stun_msg m;

	if (kind == STUN_FRAME_CHDATA) {
		if (stun_chdata_parse(&cd, p, len) != 0 || (size_t)cd.len + 4 > len)
			__builtin_trap(); /* a framed ChannelData must parse */
	} else {
		stun_msg_decode(&m, p, len);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t buf[FUZZ_MAX_FRAME * 2];
	size_t have = 0, off, chunk;
	const uint8_t *seed;
	enum stun_frame_kind kind;
	enum stun_derr why = STUN_DERR_OK;
	int rc;

	if (size < 1)
		return 0;
	/* First byte seeds the chunk sizes (1..16 bytes, or all at once when 0). */
	seed = data;
	data++, size--;
	for (off = 0; off < size; off += chunk) {
		chunk = *seed == 0 ? size : (size_t)((*seed * (off + 7)) % 16) + 1;
		if (chunk > size - off)
			chunk = size - off;
		if (have + chunk > sizeof(buf))
			return 0;
		memcpy(buf + have, data + off, chunk);
		have += chunk;
		while ((rc = stun_frame_next(buf, have, FUZZ_MAX_FRAME, &kind, &why)) > 0) {
			if ((size_t)rc > have)
				__builtin_trap();
			fuzz_frame_one(buf, (size_t)rc, kind);
			memmove(buf, buf + rc, have - (size_t)rc);
			have -= (size_t)rc;
		}
		if (rc < 0 && (why == STUN_DERR_OK || rc != -stun_derr_errno(why)))
			__builtin_trap(); /* a failure is the errno of its reason */
		if (rc < 0)
			return 0; /* the connection would be closed */
	}
	return 0;
}
