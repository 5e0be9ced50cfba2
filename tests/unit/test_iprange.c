/* IP ranges: single address, CIDR, first-last, IPv4 and IPv6, boundaries, garbage. */
#include "base/iprange.h"

#include <errno.h>

#include "tap.h"

static bool in(const struct iprange *r, const char *ip)
{
	struct addr a;

	if (addr_parse(&a, ip, 1234) < 0)
		return false;
	return iprange_contains(r, &a);
}

static void check_range(const char *s, const char *first, const char *last, const char *below,
			const char *above)
{
	struct iprange r;

	CHECK_EQ_INT(iprange_parse(s, &r), 0, "parse %s", s);
	CHECK(in(&r, first), "%s contains %s", s, first);
	CHECK(in(&r, last), "%s contains %s", s, last);
	if (below)
		CHECK(!in(&r, below), "%s excludes %s", s, below);
	if (above)
		CHECK(!in(&r, above), "%s excludes %s", s, above);
}

static void test_forms(void)
{
	check_range("192.0.2.1", "192.0.2.1", "192.0.2.1", "192.0.2.0", "192.0.2.2");
	check_range("10.0.0.0/8", "10.0.0.0", "10.255.255.255", "9.255.255.255", "11.0.0.0");
	check_range("10.1.2.3/8", "10.0.0.0", "10.255.255.255", "9.255.255.255", "11.0.0.0");
	check_range("100.64.0.0/10", "100.64.0.0", "100.127.255.255", "100.63.255.255",
		    "100.128.0.0");
	check_range("0.0.0.0/0", "0.0.0.0", "255.255.255.255", NULL, NULL);
	check_range("1.2.3.4/32", "1.2.3.4", "1.2.3.4", "1.2.3.3", "1.2.3.5");
	check_range("10.0.0.1-10.0.0.9", "10.0.0.1", "10.0.0.9", "10.0.0.0", "10.0.0.10");
	check_range("10.0.0.255-10.0.1.0", "10.0.0.255", "10.0.1.0", "10.0.0.254", "10.0.1.1");
	check_range("5.5.5.5-5.5.5.5", "5.5.5.5", "5.5.5.5", "5.5.5.4", "5.5.5.6");
	check_range("2001:db8::/32", "2001:db8::", "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff",
		    "2001:db7:ffff:ffff:ffff:ffff:ffff:ffff", "2001:db9::");
	check_range("fc00::/7", "fc00::", "fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
		    "fbff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "fe00::");
	check_range("fc00::1-fc00::9", "fc00::1", "fc00::9", "fc00::", "fc00::a");
	check_range("::1", "::1", "::1", "::", "::2");
	check_range("::/0", "::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", NULL, NULL);
	check_range("2001:db8::1/128", "2001:db8::1", "2001:db8::1", "2001:db8::", "2001:db8::2");
	check_range("fe80::/10", "fe80::", "febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
		    "fe7f:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "fec0::");
}

static void test_families(void)
{
	struct iprange r4, r6;

	iprange_parse("0.0.0.0/0", &r4);
	iprange_parse("::/0", &r6);
	CHECK(!in(&r4, "::1"), "v4 range excludes v6");
	CHECK(!in(&r4, "::ffff:1.2.3.4"), "v4 range excludes the mapped spelling");
	CHECK(!in(&r6, "1.2.3.4"), "v6 range excludes v4");
	CHECK_EQ_INT(r4.family, AF_INET, "family v4");
	CHECK_EQ_INT(r6.family, AF_INET6, "family v6");
}

static void test_garbage(void)
{
	static const char *bad[] = {
		"",
		"x",
		"1.2.3",
		"1.2.3.4.5",
		"256.0.0.1",
		"1.2.3.4/",
		"1.2.3.4/33",
		"1.2.3.4/-1",
		"1.2.3.4/+8",
		"1.2.3.4/8x",
		"1.2.3.4/ 8",
		"1.2.3.4/0008",
		"::/129",
		"::1/1280",
		"10.0.0.9-10.0.0.1",
		"10.0.0.1-",
		"-10.0.0.1",
		"10.0.0.1-::1",
		"::1-10.0.0.1",
		"10.0.0.0/8-10.0.0.9",
		"10.0.0.1-10.0.0.2-10.0.0.3",
		"10.0.0.1/8/8",
		" 10.0.0.1",
		"10.0.0.1 ",
		"fc00::9-fc00::1",
		"fc00::/7/7",
		"2001:db8:::1",
		"::ffff:1.2.3",
		"hostname.example",
		"1111:2222:3333:4444:5555:6666:7777:8888-1111:2222:3333:4444:5555:6666:7777:8888x",
	};
	struct iprange r = {.family = 77};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK_EQ_INT(iprange_parse(bad[i], &r), -EINVAL, "rejects \"%s\"", bad[i]);
	CHECK_EQ_INT(r.family, 77, "out untouched on error");
}

/* The reasons a configuration error names. */
static void test_why(void)
{
	static const struct {
		const char *in, *why;
	} cases[] = {
		{"", "empty"},
		{"10.0.0.9-10.0.0.1", "first address above last"},
		{"fc00::9-fc00::1", "first address above last"},
		{"10.0.0.1-::1", "one family"},
		{"10.0.0.0/33", "prefix length"},
		{"::/129", "prefix length"},
		{"x/8", "before the prefix"},
		{"10.0.0.0/8-10.0.0.9", "both"},
		{"hostname.example", "numeric"},
	};
	struct iprange r;
	const char *why;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		why = NULL;
		CHECK_EQ_INT(iprange_parse_why(cases[i].in, &r, &why), -EINVAL,
			     "why rejects \"%s\"", cases[i].in);
		CHECK(why && strstr(why, cases[i].why), "why \"%s\": %s", cases[i].in,
		      why ? why : "(null)");
	}
	why = "unset";
	CHECK_EQ_INT(iprange_parse_why("10.0.0.1-10.0.0.9", &r, &why), 0, "why accepts a span");
	CHECK(strcmp(why, "unset") == 0, "why untouched on success");
}

static void test_to_str(void)
{
	struct iprange r;
	char buf[128];

	iprange_parse("10.0.0.0/8", &r);
	CHECK(strcmp(iprange_to_str(&r, buf, sizeof(buf)), "10.0.0.0-10.255.255.255") == 0,
	      "to_str cidr: %s", buf);
	iprange_parse("2001:db8::5", &r);
	CHECK(strcmp(iprange_to_str(&r, buf, sizeof(buf)), "2001:db8::5") == 0, "to_str single: %s",
	      buf);
	iprange_parse("fc00::1-fc00::9", &r);
	CHECK(strcmp(iprange_to_str(&r, buf, sizeof(buf)), "fc00::1-fc00::9") == 0,
	      "to_str span: %s", buf);
	iprange_to_str(&r, buf, 5);
	CHECK_EQ_INT(strlen(buf), 4, "to_str truncates");
}

static void test_list(void)
{
	struct iprange_list l = {0};
	struct addr a;

	addr_parse(&a, "10.0.0.1", 0);
	CHECK(!iprange_list_contains(&l, &a), "empty list");
	CHECK_EQ_INT(iprange_list_add(&l, "10.0.0.0/8"), 0, "list add cidr");
	CHECK_EQ_INT(iprange_list_add(&l, "bogus"), -EINVAL, "list add garbage");
	for (int i = 0; i < 20; i++)
		CHECK_EQ_INT(iprange_list_add(&l, "fc00::1-fc00::9"), 0, "list add %d", i);
	CHECK_EQ_INT(l.n, 21, "list size");
	addr_parse(&a, "10.9.9.9", 0);
	CHECK(iprange_list_contains(&l, &a), "list contains v4");
	addr_parse(&a, "fc00::5", 0);
	CHECK(iprange_list_contains(&l, &a), "list contains v6");
	addr_parse(&a, "11.0.0.0", 0);
	CHECK(!iprange_list_contains(&l, &a), "list excludes");
	CHECK(!iprange_list_contains(NULL, &a), "NULL list excludes");
	iprange_list_free(&l);
	CHECK(l.v == NULL && l.n == 0, "list freed");
	iprange_list_free(&l);
}

int main(void)
{
	test_forms();
	test_families();
	test_garbage();
	test_why();
	test_to_str();
	test_list();
	return tap_done();
}
