/* Handshake-failure lines: fields, unknown versions, missing fields, and the per-second
 * limit with its suppressed count. */
#include "net/tls_hsfail.h"

#include <stdio.h>
#include <string.h>

#include "tap.h"

static void test_format(void)
{
	struct addr a;
	struct tls_hsfail f = {.reason = "unsupported protocol",
			       .client = &a,
			       .sni = "turn.example.org",
			       .version = 0x0301};
	char buf[256];

	addr_parse(&a, "192.0.2.1", 5349);
	tls_hsfail_format(&f, 0, buf, sizeof(buf));
	CHECK(strcmp(buf, "handshake failed reason=\"unsupported protocol\" client=192.0.2.1:5349 "
			  "sni=turn.example.org version=TLSv1") == 0,
	      "all fields: %s", buf);
	f = (struct tls_hsfail){.version = 0x7f1c};
	tls_hsfail_format(&f, 7, buf, sizeof(buf));
	CHECK(strcmp(buf, "handshake failed reason=\"unknown\" client=- sni=- version=0x7f1c "
			  "suppressed=7") == 0,
	      "missing fields and suppressed count: %s", buf);
}

static void test_limit(void)
{
	struct tls_hsfail_limit l;
	uint64_t sup = 99;
	int ok = 0, i;

	tls_hsfail_limit_init(&l, 3);
	for (i = 0; i < 10; i++)
		ok += tls_hsfail_limit_take(&l, 1000 + (uint64_t)i, &sup);
	CHECK_EQ_INT(ok, 3, "3 lines in the first second");
	CHECK_EQ_INT(sup, 0, "no suppressed count before the first line");
	CHECK(!tls_hsfail_limit_take(&l, 1999, &sup), "still the same window at 999 ms");
	CHECK(tls_hsfail_limit_take(&l, 2000, &sup), "a new window one second later");
	CHECK_EQ_INT(sup, 8, "the next line carries the 8 suppressed");
	CHECK(tls_hsfail_limit_take(&l, 2001, &sup), "second line of the new window");
	CHECK_EQ_INT(sup, 0, "the count restarted");
}

int main(void)
{
	test_format();
	test_limit();
	return tap_done();
}
