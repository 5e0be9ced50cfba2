/* libFuzzer target: read the input as a datagram on the DTLS port and check what
 * dtls_hello_parse and dtls_hello_verify_build promise (src/net/dtls_hello.h): the answer
 * is 0 or -EBADMSG; a ClientHello's views (random, cookie) lie inside its record; every
 * datagram cut short of the record is refused; bytes after the record change nothing; the
 * HelloVerifyRequest has the documented length, copies the record sequence number and is
 * never larger than a ClientHello that carries a cookie as long as its own. */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "net/dtls_hello.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool fuzz_same(const struct dtls_hello *a, const struct dtls_hello *b)
{
	return memcmp(a->seq, b->seq, sizeof(a->seq)) == 0 && a->version == b->version &&
	       a->msg_seq == b->msg_seq && a->random == b->random && a->cookie == b->cookie &&
	       a->cookie_len == b->cookie_len;
}

/* The parse of data[0..size) succeeded with h: check its views and the answer to it. */
static void fuzz_hello(const uint8_t *data, size_t size, const struct dtls_hello *h)
{
	size_t rec_end = DTLS_HELLO_RECORD_HDR + ((size_t)data[11] << 8 | data[12]);
	uint8_t out[DTLS_HELLO_VERIFY_LEN(DTLS_HELLO_COOKIE_MAX)], cookie[32] = {0};
	struct dtls_hello again;
	int n;

	if (rec_end > size || h->random < data || h->random + DTLS_HELLO_RANDOM > data + rec_end)
		abort();
	if (h->cookie_len > DTLS_HELLO_COOKIE_MAX || (h->cookie_len == 0) != (h->cookie == NULL))
		abort();
	if (h->cookie && (h->cookie < h->random || h->cookie + h->cookie_len > data + rec_end))
		abort();
	/* Cut anywhere inside the record: refused. */
	if (dtls_hello_parse(data, rec_end - 1, &again) != -EBADMSG)
		abort();
	/* Only the record counts. */
	if (dtls_hello_parse(data, rec_end, &again) != 0 || !fuzz_same(h, &again))
		abort();
	n = dtls_hello_verify_build(h, cookie, sizeof(cookie), out, sizeof(out));
	if (n != (int)DTLS_HELLO_VERIFY_LEN(sizeof(cookie)) || memcmp(out + 3, h->seq, 8) != 0)
		abort();
	/* A ClientHello with a cookie as long holds at least the HelloVerifyRequest. */
	if (h->cookie_len >= sizeof(cookie) && (size_t)n > rec_end)
		abort();
	if (dtls_hello_verify_build(h, cookie, sizeof(cookie), out, (size_t)n - 1) != -ENOSPC)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dtls_hello h;
	int rc = dtls_hello_parse(data, size, &h);

	if (rc == 0)
		fuzz_hello(data, size, &h);
	else if (rc != -EBADMSG)
		abort();
	return 0;
}
