/* The admin socket's formats (app/admin_fmt.c): text values that never break a line or
 * forge a field, JSON strings (control bytes escaped, invalid UTF-8 as U+FFFD), the
 * request's percent-decoding; and alternate-server values (app/cfg_alt.c). */
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "app/admin.h"
#include "app/cfg.h"
#include "base/addr.h"
#include "tap.h"

/* fn(b, in) as a NUL-terminated string (static buffer). */
static const char *fmt(void (*fn)(struct evbuffer *, const char *), const char *in)
{
	static char out[512];
	struct evbuffer *b = evbuffer_new();
	size_t n;

	fn(b, in);
	n = evbuffer_get_length(b);
	if (n >= sizeof(out))
		n = sizeof(out) - 1;
	evbuffer_remove(b, out, n);
	out[n] = '\0';
	evbuffer_free(b);
	return out;
}

static void test_text(void)
{
	CHECK(strcmp(fmt(app_admin_put_text, "alice"), "alice") == 0, "a plain value is bare");
	CHECK(strcmp(fmt(app_admin_put_text, ""), "\"\"") == 0, "empty: \"\"");
	CHECK(strcmp(fmt(app_admin_put_text, "a b"), "\"a b\"") == 0, "a space: quoted");
	CHECK(strcmp(fmt(app_admin_put_text, "x\ny=1"), "\"x\\x0ay=1\"") == 0,
	      "a newline is escaped: no second line, no forged field");
	CHECK(strcmp(fmt(app_admin_put_text, "q\"\\"), "\"q\\\"\\\\\"") == 0,
	      "quote and backslash escaped");
	CHECK(strcmp(fmt(app_admin_put_text, "\xc3\xa9"), "\"\\xc3\\xa9\"") == 0,
	      "bytes above ASCII as \\xHH");
}

static void test_json(void)
{
	CHECK(strcmp(fmt(app_admin_put_json, "alice"), "\"alice\"") == 0, "JSON string");
	CHECK(strcmp(fmt(app_admin_put_json, "a\"\\\n\x01"), "\"a\\\"\\\\\\u000a\\u0001\"") == 0,
	      "quote, backslash and control bytes escaped");
	CHECK(strcmp(fmt(app_admin_put_json, "\xc3\xa9t\xc3\xa9"), "\"\xc3\xa9t\xc3\xa9\"") == 0,
	      "valid UTF-8 kept");
	CHECK(strcmp(fmt(app_admin_put_json, "a\xff"
					     "b\xc0\xaf"),
		     "\"a\\ufffdb\\ufffd\\ufffd\"") == 0,
	      "invalid bytes and an overlong form as U+FFFD");
	CHECK(strcmp(fmt(app_admin_put_json, "\xed\xa0\x80"), "\"\\ufffd\\ufffd\\ufffd\"") == 0,
	      "a UTF-16 surrogate is not UTF-8");
}

static void test_pct(void)
{
	char a[] = "a%20b%2fc", b[] = "bad%2", c[] = "nul%00", d[] = "x%zz", e[] = "end%";

	CHECK(app_admin_pct_decode(a) == 0 && strcmp(a, "a b/c") == 0, "%%HH decoded");
	CHECK(app_admin_pct_decode(b) < 0, "a cut escape refused");
	CHECK(app_admin_pct_decode(c) < 0, "%%00 refused");
	CHECK(app_admin_pct_decode(d) < 0, "not hex refused");
	CHECK(app_admin_pct_decode(e) < 0, "a lone %% at the end refused");
}

static void test_alt(void)
{
	struct addr a, want;

	addr_parse(&want, "192.0.2.1", 3478);
	CHECK(cfg_alt_server_parse("192.0.2.1", &a) == 0 && addr_eq(&a, &want),
	      "IPv4 without a port: 3478");
	addr_parse(&want, "192.0.2.1", 5000);
	CHECK(cfg_alt_server_parse("192.0.2.1:5000", &a) == 0 && addr_eq(&a, &want), "IPv4:PORT");
	addr_parse(&want, "2001:db8::1", 3478);
	CHECK(cfg_alt_server_parse("2001:db8::1", &a) == 0 && addr_eq(&a, &want), "bare IPv6");
	addr_parse(&want, "2001:db8::1", 5001);
	CHECK(cfg_alt_server_parse("[2001:db8::1]:5001", &a) == 0 && addr_eq(&a, &want),
	      "[IPv6]:PORT");
	CHECK(cfg_alt_server_parse("turn.example.com", &a) < 0, "a name refused (numeric only)");
	CHECK(cfg_alt_server_parse("192.0.2.1:0", &a) < 0, "port 0 refused");
	CHECK(cfg_alt_server_parse("192.0.2.1:70000", &a) < 0, "port over 65535 refused");
	CHECK(cfg_alt_server_parse("[2001:db8::1]x", &a) < 0, "junk after ] refused");
	addr_parse(&want, "192.0.2.1", 5349);
	CHECK(cfg_tls_alt_server_parse("192.0.2.1", &a) == 0 && addr_eq(&a, &want),
	      "tls-alternate-server without a port: 5349");
	addr_parse(&want, "2001:db8::1", 5349);
	CHECK(cfg_tls_alt_server_parse("[2001:db8::1]", &a) == 0 && addr_eq(&a, &want),
	      "... [IPv6] too");
	addr_parse(&want, "192.0.2.1", 443);
	CHECK(cfg_tls_alt_server_parse("192.0.2.1:443", &a) == 0 && addr_eq(&a, &want),
	      "... and a port given stays");
}

int main(void)
{
	test_text();
	test_json();
	test_pct();
	test_alt();
	return tap_done();
}
