/* ternctl's counts (cli_parse_count): what --ttl, --max-bps, the quotas, turnadmin's flags
 * and the realm values read back from Redis accept. */
#include "config.h"

#include <errno.h>
#include <string.h>

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

/* The admin verbs' options: --admin-socket, --timeout, --user, --json; others refused. */
static void test_admin_opts(void)
{
	char *ok[] = {"drain", "--timeout", "30", "--admin-socket", "/tmp/x.sock", NULL};
	char *bad[] = {"drain", "--user", "u", NULL};
	char *neg[] = {"drain", "--timeout", "-1", NULL};
	struct cli_opts o;

	CHECK_EQ_INT(cli_opts_parse(5, ok, "drain", "TAh", &o), CLI_OK, "drain's options parse");
	CHECK(o.timeout == 30 && o.admin_socket && strcmp(o.admin_socket, "/tmp/x.sock") == 0,
	      "--timeout and --admin-socket values");
	CHECK_EQ_INT(cli_opts_parse(3, bad, "drain", "TAh", &o), CLI_USAGE,
		     "an option the verb does not take: usage error");
	CHECK_EQ_INT(cli_opts_parse(3, neg, "drain", "TAh", &o), CLI_USAGE,
		     "a negative timeout: usage error");
	CHECK_EQ_INT(cli_opts_parse(1, ok, "drain", "TAh", &o), CLI_OK, "no options");
	CHECK(o.timeout == -1 && o.admin_socket == NULL, "absent: -1 and NULL");
}

int main(void)
{
	test_counts();
	test_admin_opts();
	return tap_done();
}
