/* libFuzzer target: parse the input as the start of a connection behind a PROXY protocol
 * sender and check what proxy_hdr_parse promises (src/net/proxy_hdr.h): the answer is a
 * length within the input, 0 (read more) or one of the documented errors; a header's fields
 * agree with each other; every proper prefix of a header asks for more; the header alone,
 * or followed by other bytes, parses the same. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include "net/proxy_hdr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool fuzz_same(const struct proxy_hdr *a, const struct proxy_hdr *b, ptrdiff_t shift)
{
	return a->version == b->version && a->local == b->local && a->transport == b->transport &&
	       addr_family(&a->src) == addr_family(&b->src) &&
	       addr_family(&a->dst) == addr_family(&b->dst) &&
	       (a->local || (addr_eq(&a->src, &b->src) && addr_eq(&a->dst, &b->dst))) &&
	       a->authority_len == b->authority_len &&
	       (a->authority == NULL
			? b->authority == NULL
			: b->authority != NULL && b->authority - a->authority == shift) &&
	       a->has_ssl == b->has_ssl && a->ssl_client == b->ssl_client &&
	       a->ssl_verify == b->ssl_verify;
}

/* The fields of a header of rc bytes at data agree with each other. */
static bool fuzz_consistent(const uint8_t *data, int rc, const struct proxy_hdr *h)
{
	int fam = addr_family(&h->src);

	if (h->version == 1 &&
	    (rc > PROXY_HDR_V1_MAX || data[rc - 2] != '\r' || data[rc - 1] != '\n' ||
	     (!h->local && h->transport != PROXY_HDR_STREAM)))
		return false;
	if (h->version != 1 && (h->version != 2 || rc < PROXY_HDR_V2_FIXED || rc > PROXY_HDR_MAX))
		return false;
	if (h->local)
		return fam == AF_UNSPEC && addr_family(&h->dst) == AF_UNSPEC &&
		       h->transport == PROXY_HDR_UNSPEC && h->authority == NULL && !h->has_ssl;
	if ((fam != AF_INET && fam != AF_INET6) || addr_family(&h->dst) != fam ||
	    (h->transport != PROXY_HDR_STREAM && h->transport != PROXY_HDR_DGRAM))
		return false;
	if (h->authority != NULL &&
	    (h->authority < data || h->authority + h->authority_len > data + rc))
		return false;
	return h->authority != NULL || h->authority_len == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t more[PROXY_HDR_MAX + 64];
	struct proxy_hdr h, h2;
	size_t k;
	int rc, rc2;
	bool refused;

	memset(&h, 0xA5, sizeof(h));
	rc = proxy_hdr_parse(data, size, &h);
	if (rc != -EBADMSG && rc != -EAFNOSUPPORT && rc != -EMSGSIZE && rc < 0)
		__builtin_trap(); /* an undocumented error */
	if (rc > (int)size || (rc == 0 && size >= PROXY_HDR_MAX))
		__builtin_trap();
	if (rc <= 0) {
		/* *out untouched; no shorter input held a header, and a refusal is final:
		 * once a prefix is refused, every longer one is. */
		for (k = 0; k < sizeof(h); k++)
			if (((const uint8_t *)&h)[k] != 0xA5)
				__builtin_trap();
		for (k = 0, refused = false; k < size && k <= PROXY_HDR_MAX; k++) {
			rc2 = proxy_hdr_parse(data, k, &h2);
			if (rc2 > 0 || (refused && rc2 == 0))
				__builtin_trap();
			refused = rc2 < 0;
		}
		if (refused && rc == 0)
			__builtin_trap();
		return 0;
	}
	if (!fuzz_consistent(data, rc, &h))
		__builtin_trap();
	for (k = 0; k < (size_t)rc; k++)
		if (proxy_hdr_parse(data, k, &h2) != 0)
			__builtin_trap(); /* a proper prefix of a header asks for more */
	rc2 = proxy_hdr_parse(data, (size_t)rc, &h2);
	if (rc2 != rc || !fuzz_same(&h, &h2, 0))
		__builtin_trap();
	/* The same header followed by other payload, in another buffer. */
	memcpy(more, data, (size_t)rc);
	memset(more + rc, 'P', sizeof(more) - (size_t)rc);
	rc2 = proxy_hdr_parse(more, sizeof(more), &h2);
	if (rc2 != rc || !fuzz_same(&h, &h2, more - data))
		__builtin_trap();
	return 0;
}
