/* ternctl's JSON output: escaping and UTF-8 validation. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli_out.h"
#include "tap.h"

/* cli_json_str(s) as a malloc'd string. */
static char *json(const char *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	cli_json_str(f, s);
	fclose(f);
	return buf;
}

static void check_json(const char *in, const char *want, const char *what)
{
	char *got = json(in);

	CHECK(strcmp(got, want) == 0, "%s", what);
	if (strcmp(got, want) != 0)
		printf("#   got %s, want %s\n", got, want);
	free(got);
}

int main(void)
{
	check_json("alice", "\"alice\"", "plain ASCII");
	check_json("", "\"\"", "empty string");
	check_json("a\"b\\c", "\"a\\\"b\\\\c\"", "quote and backslash escaped");
	check_json("%s%n", "\"%s%n\"", "printf directives kept verbatim");
	check_json("a\nb\tc\rd", "\"a\\nb\\tc\\rd\"", "newline, tab, CR escaped");
	check_json("\x01\x1f\x7f", "\"\\u0001\\u001f\\u007f\"", "control characters as \\u");
	check_json("マトリックス", "\"マトリックス\"", "UTF-8 passes through");
	check_json("\xf0\x9f\x98\x80", "\"\xf0\x9f\x98\x80\"", "4-byte UTF-8 passes through");
	check_json("a\xffz", "\"a\\ufffdz\"", "invalid byte becomes U+FFFD");
	check_json("\xc3", "\"\\ufffd\"", "truncated sequence at the end");
	check_json("\xc0\xaf", "\"\\ufffd\\ufffd\"", "overlong encoding refused");
	check_json("\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"", "UTF-16 surrogate refused");
	CHECK_EQ_INT(cli_utf8_len((const unsigned char *)"\xe2\x82\xac"), 3,
		     "euro sign is 3 bytes");
	CHECK_EQ_INT(cli_utf8_len((const unsigned char *)"\xf4\x90\x80\x80"), 0,
		     "above U+10FFFF refused");
	return tap_done();
}
