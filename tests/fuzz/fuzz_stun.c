/* libFuzzer target: decode a datagram as STUN, run every getter, verify integrity with a
 * fixed key, and build the error response a server would send. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "stun/chdata.h"
#include "stun/enc.h"
#include "stun/err.h"
#include "stun/icmp.h"
#include "stun/integrity.h"
#include "stun/msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t fuzz_key[] = "VOkJxbRl1RmTxUk/WvJxBt";

static void fuzz_getters(const struct stun_msg *m)
{
	static const uint16_t addr_types[] = {
		STUN_ATTR_MAPPED_ADDRESS,   STUN_ATTR_XOR_MAPPED_ADDRESS,
		STUN_ATTR_XOR_PEER_ADDRESS, STUN_ATTR_XOR_RELAYED_ADDRESS,
		STUN_ATTR_ALTERNATE_SERVER, STUN_ATTR_RESPONSE_ORIGIN,
		STUN_ATTR_OTHER_ADDRESS,
	};
	struct addr a, peers[8];
	struct stun_icmp icmp;
	struct stun_str s;
	uint16_t u16, list[16];
	uint32_t u32;
	uint8_t u8;
	size_t i, n;
	int code;
	bool b;

	for (i = 0; i < sizeof(addr_types) / sizeof(addr_types[0]); i++) {
		stun_msg_get_addr(m, addr_types[i], &a);
		stun_msg_get_xor_addr(m, addr_types[i], &a);
		n = 8;
		stun_msg_get_xor_addrs(m, addr_types[i], peers, &n);
	}
	for (i = 0; i < m->nattrs; i++) {
		stun_msg_get_bytes(m, m->attrs[i].type, &s);
		stun_msg_get_u32(m, m->attrs[i].type, &u32);
		stun_msg_has(m, m->attrs[i].type);
	}
	stun_msg_get_error(m, &code, &s);
	n = 16;
	stun_msg_get_unknown(m, list, &n);
	stun_msg_get_channel(m, &u16);
	stun_msg_get_transport(m, &u8);
	stun_msg_get_family(m, STUN_ATTR_REQUESTED_ADDRESS_FAMILY, &u8);
	stun_msg_get_family(m, STUN_ATTR_ADDITIONAL_ADDRESS_FAMILY, &u8);
	stun_msg_get_addr_error(m, &u8, &code, &s);
	stun_msg_get_even_port(m, &b);
	stun_msg_get_response_port(m, &u16);
	stun_msg_get_pwalg(m, &u16, &s);
	stun_msg_get_icmp(m, &icmp);
	n = 16;
	stun_msg_get_pwalgs(m, list, &n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t out[512];
	struct stun_msg m;
	struct stun_chdata cd;
	int rc;

	/* A failure is the errno of the reason it reports (stun/err.h), never the reason. */
	if (stun_chdata_is(data, size) && (rc = stun_chdata_parse(&cd, data, size)) < 0 &&
	    (cd.why == STUN_DERR_OK || rc != -stun_derr_errno(cd.why)))
		__builtin_trap();
	(void)stun_msg_is_stun(data, size);
	memset(&m, 0, sizeof(m));
	rc = stun_msg_decode(&m, data, size);
	if ((rc < 0) != (m.why != STUN_DERR_OK) || rc != -stun_derr_errno(m.why))
		__builtin_trap();
	if (rc < 0) {
		/* A failure past a valid header still leaves method and tid for a 400. */
		if (m.tid != NULL)
			stun_enc_error_response(out, sizeof(out), m.method, m.tid,
						STUN_ERR_BAD_REQUEST, NULL, 0, true);
		return 0;
	}
	fuzz_getters(&m);
	stun_integrity_verify_sha1(&m, fuzz_key, sizeof(fuzz_key) - 1);
	stun_integrity_verify_sha256(&m, fuzz_key, sizeof(fuzz_key) - 1);
	rc = stun_enc_error_response(out, sizeof(out), m.method, m.tid,
				     m.nunknown ? STUN_ERR_UNKNOWN_ATTRIBUTE : STUN_ERR_BAD_REQUEST,
				     m.unknown, m.nunknown, true);
	if (rc > 0 && stun_msg_decode(&m, out, (size_t)rc) != 0)
		__builtin_trap(); /* the encoder must produce what the decoder accepts */
	return 0;
}
