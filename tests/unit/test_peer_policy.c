/* Peer policy: every special-purpose range denied at both ends and in every IPv6 spelling of
 * an IPv4 address, loopback switch, allowed/denied lists and their precedence, relay-to-relay. */
#include "turn/peer.h"

#include <arpa/inet.h>

#include "tap.h"

static struct peer_policy *mk(const struct peer_policy_cfg *cfg)
{
	struct peer_policy *p = NULL;
	int rc = peer_policy_new(cfg, &p);

	CHECK_EQ_INT(rc, 0, "peer_policy_new");
	return p;
}

static bool allows(const struct peer_policy *p, const char *ip, uint16_t port)
{
	struct addr a;

	if (addr_parse(&a, ip, port) < 0) {
		printf("# bad test address %s\n", ip);
		return true;
	}
	return peer_policy_allows(p, &a);
}

/* The IPv6 spellings of an IPv4 address: mapped, compatible, 6to4, NAT64 well-known. */
static void v6_spellings(const char *v4, char out[4][INET6_ADDRSTRLEN])
{
	uint8_t b[4], s[16];

	inet_pton(AF_INET, v4, b);
	memset(s, 0, 16);
	s[10] = s[11] = 0xff;
	memcpy(s + 12, b, 4);
	inet_ntop(AF_INET6, s, out[0], INET6_ADDRSTRLEN);
	s[10] = s[11] = 0;
	inet_ntop(AF_INET6, s, out[1], INET6_ADDRSTRLEN);
	memset(s, 0, 16);
	s[0] = 0x20;
	s[1] = 0x02;
	memcpy(s + 2, b, 4);
	s[15] = 1;
	inet_ntop(AF_INET6, s, out[2], INET6_ADDRSTRLEN);
	memset(s, 0, 16);
	s[1] = 0x64;
	s[2] = 0xff;
	s[3] = 0x9b;
	memcpy(s + 12, b, 4);
	inet_ntop(AF_INET6, s, out[3], INET6_ADDRSTRLEN);
}

static void deny_v4_everywhere(const struct peer_policy *p, const char *v4)
{
	char v6[4][INET6_ADDRSTRLEN];

	CHECK(!allows(p, v4, 3478), "denied %s", v4);
	v6_spellings(v4, v6);
	for (int i = 0; i < 4; i++)
		CHECK(!allows(p, v6[i], 3478), "denied %s (%s)", v6[i], v4);
}

static const char *special_v4[][2] = {
	{"0.0.0.0", "0.255.255.255"},	    {"10.0.0.0", "10.255.255.255"},
	{"100.64.0.0", "100.127.255.255"},  {"127.0.0.0", "127.255.255.255"},
	{"169.254.0.0", "169.254.255.255"}, {"172.16.0.0", "172.31.255.255"},
	{"192.0.0.0", "192.0.0.255"},	    {"192.0.2.0", "192.0.2.255"},
	{"192.88.99.0", "192.88.99.255"},   {"192.168.0.0", "192.168.255.255"},
	{"198.18.0.0", "198.19.255.255"},   {"198.51.100.0", "198.51.100.255"},
	{"203.0.113.0", "203.0.113.255"},   {"224.0.0.0", "239.255.255.255"},
	{"240.0.0.0", "255.255.255.255"},
};

/* Neighbours of the special ranges that are ordinary addresses. */
static const char *public_v4[] = {
	"1.0.0.0",	   "9.255.255.255",   "11.0.0.0",	"100.63.255.255",
	"100.128.0.0",	   "126.255.255.255", "128.0.0.0",	"169.253.255.255",
	"169.255.0.0",	   "172.15.255.255",  "172.32.0.0",	"191.255.255.255",
	"192.0.1.0",	   "192.0.3.0",	      "192.88.98.255",	"192.88.100.0",
	"192.167.255.255", "192.169.0.0",     "198.17.255.255", "198.20.0.0",
	"198.51.99.255",   "198.51.101.0",    "203.0.112.255",	"203.0.114.0",
	"223.255.255.255", "8.8.8.8",	      "1.1.1.1",	"192.31.196.1",
	"192.175.48.1",
};

static const char *special_v6[][2] = {
	{"::", "::"},
	{"::1", "::1"},
	{"64:ff9b:1::", "64:ff9b:1:ffff:ffff:ffff:ffff:ffff"},
	{"100::", "100::ffff:ffff:ffff:ffff"},
	{"2001::", "2001:1ff:ffff:ffff:ffff:ffff:ffff:ffff"},
	{"2001:db8::", "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff"},
	{"3fff::", "3fff:fff:ffff:ffff:ffff:ffff:ffff:ffff"},
	{"5f00::", "5f00:ffff:ffff:ffff:ffff:ffff:ffff:ffff"},
	{"fc00::", "fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"},
	{"fe80::", "febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff"},
	{"fec0::", "feff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"},
	{"ff00::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"},
};

static const char *public_v6[] = {
	"2a00:1450::1",	    "2606:4700:4700::1111",
	"2001:200::1",	    "2001:db9::",
	"2001:db7::",	    "3ffe::1",
	"3fff:1000::",	    "fbff:ffff::1",
	"100:0:0:1::",	    "::ffff:8.8.8.8",
	"::8.8.8.8",	    "2002:808:808::1",
	"64:ff9b::808:808", "5eff:ffff::1",
	"5f01::",
};

static void test_defaults(void)
{
	struct peer_policy_cfg cfg = {0};
	struct peer_policy *p = mk(&cfg);
	size_t i;

	for (i = 0; i < sizeof(special_v4) / sizeof(special_v4[0]); i++) {
		deny_v4_everywhere(p, special_v4[i][0]);
		deny_v4_everywhere(p, special_v4[i][1]);
	}
	for (i = 0; i < sizeof(special_v6) / sizeof(special_v6[0]); i++) {
		CHECK(!allows(p, special_v6[i][0], 50000), "denied %s", special_v6[i][0]);
		CHECK(!allows(p, special_v6[i][1], 50000), "denied %s", special_v6[i][1]);
	}
	for (i = 0; i < sizeof(public_v4) / sizeof(public_v4[0]); i++)
		CHECK(allows(p, public_v4[i], 3478), "allowed %s", public_v4[i]);
	for (i = 0; i < sizeof(public_v6) / sizeof(public_v6[0]); i++)
		CHECK(allows(p, public_v6[i], 3478), "allowed %s", public_v6[i]);
	CHECK(!allows(p, "169.254.169.254", 80), "metadata address denied");
	CHECK(!allows(p, "::ffff:169.254.169.254", 80), "mapped metadata address denied");
	CHECK(!allows(p, "2002:a9fe:a9fe::", 80), "6to4 metadata address denied");
	CHECK(!allows(p, "::2", 80), "IPv4-compatible 0.0.0.2 denied");
	peer_policy_free(p);
	peer_policy_free(NULL);
}

static void test_loopback(void)
{
	struct peer_policy_cfg cfg = {.allow_loopback = false};
	struct peer_policy *p = mk(&cfg);

	CHECK(!allows(p, "127.0.0.1", 5000), "127.0.0.1 denied");
	CHECK(!allows(p, "::ffff:127.0.0.1", 5000), "::ffff:127.0.0.1 denied");
	CHECK(!allows(p, "::1", 5000), "::1 denied");
	peer_policy_free(p);
	cfg.allow_loopback = true;
	p = mk(&cfg);
	CHECK(allows(p, "127.0.0.1", 5000), "127.0.0.1 allowed with allow_loopback");
	CHECK(allows(p, "127.255.255.254", 5000), "127/8 allowed with allow_loopback");
	CHECK(allows(p, "::ffff:127.0.0.1", 5000), "::ffff:127.0.0.1 allowed with allow_loopback");
	CHECK(allows(p, "::1", 5000), "::1 allowed with allow_loopback");
	CHECK(!allows(p, "10.0.0.1", 5000), "allow_loopback leaves 10.0.0.1 denied");
	CHECK(!allows(p, "0.0.0.0", 5000), "allow_loopback leaves 0.0.0.0 denied");
	CHECK(!allows(p, "::", 5000), "allow_loopback leaves :: denied");
	CHECK(!allows(p, "169.254.169.254", 5000), "allow_loopback leaves metadata denied");
	peer_policy_free(p);
}

static void test_lists(void)
{
	struct iprange_list allowed = {0}, denied = {0};
	struct peer_policy_cfg cfg = {.allowed = &allowed, .denied = &denied};
	struct peer_policy *p;

	iprange_list_add(&allowed, "10.1.2.3");
	iprange_list_add(&allowed, "192.168.0.0/16");
	iprange_list_add(&allowed, "172.16.0.10-172.16.0.20");
	iprange_list_add(&allowed, "fd00::/8");
	iprange_list_add(&allowed, "8.8.4.0/24");
	iprange_list_add(&denied, "8.8.0.0/16");
	iprange_list_add(&denied, "2a00:1450::/32");
	iprange_list_add(&denied, "10.1.2.3");
	p = mk(&cfg);
	iprange_list_free(&allowed); /* borrowed only during new */
	iprange_list_free(&denied);
	CHECK(allows(p, "10.1.2.3", 1), "allowed address");
	CHECK(!allows(p, "10.1.2.4", 1), "neighbour of allowed address still denied");
	CHECK(allows(p, "192.168.0.0", 1) && allows(p, "192.168.255.255", 1), "allowed CIDR");
	CHECK(allows(p, "172.16.0.10", 1) && allows(p, "172.16.0.20", 1), "allowed span");
	CHECK(!allows(p, "172.16.0.9", 1) && !allows(p, "172.16.0.21", 1), "outside span");
	CHECK(allows(p, "::ffff:192.168.1.1", 1), "allowed range in mapped spelling");
	CHECK(allows(p, "fd12::1", 1), "allowed v6 ULA");
	CHECK(!allows(p, "fc00::1", 1), "rest of fc00::/7 denied");
	CHECK(!allows(p, "8.8.8.8", 1), "denied public range");
	CHECK(!allows(p, "::ffff:8.8.8.8", 1), "denied public range, mapped spelling");
	CHECK(!allows(p, "64:ff9b::8.8.8.8", 1), "denied public range, NAT64 spelling");
	CHECK(!allows(p, "2a00:1450::1", 1), "denied v6 public range");
	CHECK(allows(p, "8.8.4.4", 1), "allowed wins over denied");
	CHECK(allows(p, "9.9.9.9", 1), "other public allowed");
	peer_policy_free(p);
}

/* RFC 2765's IPv4-translated form is the IPv4 address it embeds, like the mapped one. */
static void test_translated(void)
{
	struct peer_policy_cfg cfg = {0};
	struct peer_policy *p = mk(&cfg);
	struct addr a, v4;

	CHECK(!allows(p, "::ffff:0:127.0.0.1", 53), "translated loopback denied");
	CHECK(!allows(p, "::ffff:0:10.0.0.1", 53), "translated RFC 1918 denied");
	CHECK(!allows(p, "::ffff:0:169.254.169.254", 80), "translated metadata denied");
	CHECK(allows(p, "::ffff:0:8.8.8.8", 53), "translated public address allowed");
	addr_parse(&a, "::ffff:0:192.0.2.7", 9);
	CHECK(peer_addr_embedded_v4(&a, &v4) && addr_port(&v4) == 9 &&
		      v4.u.in4.sin_addr.s_addr == htonl(0xc0000207),
	      "translated form embeds its IPv4 address, port kept");
	peer_policy_free(p);
}

/* Which interface addresses the wildcard relay set may use. */
static void test_relayable(void)
{
	static const char *yes[] = {"8.8.8.8",	  "10.0.0.5",	  "172.16.1.1", "192.168.1.1",
				    "100.64.0.1", "2a00:1450::1", "fd00::5"};
	static const char *no[] = {
		"127.0.0.1",	   "127.1.2.3", "::1",	       "0.0.0.0",	 "::",
		"169.254.1.1",	   "fe80::1",	"224.0.0.1",   "ff02::1",	 "255.255.255.255",
		"240.0.0.1",	   "192.0.2.1", "2001:db8::1", "::ffff:8.8.8.8", "2002:808:808::1",
		"64:ff9b::808:808"};
	struct addr a;

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		addr_parse(&a, yes[i], 0);
		CHECK(peer_addr_is_relayable(&a), "%s may be a relay address", yes[i]);
	}
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
		addr_parse(&a, no[i], 0);
		CHECK(!peer_addr_is_relayable(&a), "%s is never a default relay address", no[i]);
	}
}

int main(void)
{
	test_defaults();
	test_loopback();
	test_lists();
	test_translated();
	test_relayable();
	return tap_done();
}
