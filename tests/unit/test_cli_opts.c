/* ternctl's counts (cli_parse_count): what --ttl, --max-bps, the quotas, turnadmin's flags
 * and the realm values read back from Redis accept. */
#include "config.h"

#include <errno.h>

#include "cli/cli.h"
#include "tap.h"

static void test_counts(void)
{
	static const char *const bad[] = {
		"", "-1", "+1", " 1", "1 ", "1x", "0x10", "-0", "9223372036854775808", "abc",
	};
	long long v = 77;

	CHECK_EQ_INT(cli_parse_count("0", &v), 0, "zero");
	CHECK(v == 0, "zero value");
	CHECK_EQ_INT(cli_parse_count("64000", &v), 0, "a count");
	CHECK(v == 64000, "count value");
	CHECK_EQ_INT(cli_parse_count("9223372036854775807", &v), 0, "LLONG_MAX");
	CHECK(v == 9223372036854775807LL, "LLONG_MAX value");
	CHECK_EQ_INT(cli_parse_count("007", &v), 0, "leading zeros");
	CHECK(v == 7, "leading zeros value");
	v = 77;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK_EQ_INT(cli_parse_count(bad[i], &v), -EINVAL, "refuses \"%s\"", bad[i]);
	CHECK(v == 77, "out untouched on error");
}

int main(void)
{
	test_counts();
	return tap_done();
}
