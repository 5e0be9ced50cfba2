/* libFuzzer target: a datagram read as a classic RFC 3489 Binding Request (stun/classic.h),
 * answered the way turn/method/binding_classic.c does: a success response with the three
 * RFC 3489 addresses, or the 420 listing the unknown attributes. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "base/addr.h"
#include "stun/classic.h"
#include "stun/enc.h"
#include "stun/err.h"
#include "stun/stun.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct stun_classic_req r;
	struct stun_enc e;
	struct addr a;
	uint8_t out[256];

	if (!stun_classic_is(data, size) || stun_classic_decode(&r, data, size) < 0)
		return 0;
	if (r.nunknown > STUN_CLASSIC_MAX_UNKNOWN)
		__builtin_trap();
	addr_parse(&a, "192.0.2.1", 3478);
	if (r.nunknown) {
		stun_classic_enc_error(&e, out, sizeof(out), r.tid, STUN_ERR_UNKNOWN_ATTRIBUTE,
				       r.unknown, r.nunknown);
	} else {
		stun_classic_enc_init(&e, out, sizeof(out), STUN_CLASS_SUCCESS, r.tid);
		stun_enc_put_addr(&e, STUN_ATTR_MAPPED_ADDRESS, &a);
		stun_enc_put_addr(&e, STUN_ATTR_SOURCE_ADDRESS, &a);
		stun_enc_put_addr(&e, STUN_ATTR_CHANGED_ADDRESS, &a);
	}
	if (stun_enc_finish(&e) <= 0 || memcmp(out + 4, r.tid, STUN_CLASSIC_TID_LEN) != 0)
		__builtin_trap();
	return 0;
}
