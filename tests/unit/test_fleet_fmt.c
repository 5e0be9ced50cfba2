/* The session registry's line and control formats (cred/fleet_fmt.h). */
#include "cred/fleet_fmt.h"

#include <errno.h>
#include <string.h>

#include "tap.h"

static struct fleet_sess sample(void)
{
	struct fleet_sess s;

	memset(&s, 0, sizeof(s));
	s.worker = 3;
	s.since_ms = 1765000000123ull;
	s.seen_ms = 1765000010456ull;
	s.expires_ms = 1765000600123ull;
	strcpy(s.transport, "udp");
	strcpy(s.client, "192.0.2.7:40000");
	strcpy(s.local, "[2001:db8::1]:3478");
	strcpy(s.relay, "198.51.100.1:50000,[2001:db8::2]:50002");
	strcpy(s.user, "1765003600:al ice%=\"\xc3\xa9");
	strcpy(s.realm, "example.org");
	s.pkts_to_peer = 1;
	s.pkts_to_client = 2;
	s.bytes_to_peer = 18446744073709551615ull;
	s.bytes_to_client = 0;
	return s;
}

static void test_line_roundtrip(void)
{
	struct fleet_sess s = sample(), t;
	char buf[FLEET_LINE_MAX];
	int n = fleet_sess_format(&s, buf, sizeof(buf));

	CHECK(n > 0 && (size_t)n == strlen(buf), "a line is written");
	CHECK(strncmp(buf, "v=1 w=3 since=1765000000123 seen=1765000010456 ", 47) == 0,
	      "it starts with the version and the worker: %s", buf);
	CHECK(strstr(buf, " user=1765003600:al%20ice%25%3D%22%C3%A9 ") != NULL,
	      "the user is percent-encoded");
	CHECK(strstr(buf, " relay=198.51.100.1:50000,[2001:db8::2]:50002 ") != NULL,
	      "addresses stay readable");
	CHECK(strchr(buf, '\n') == NULL, "one line");
	CHECK_EQ_INT(fleet_sess_parse(buf, (size_t)n, &t), 0, "it parses");
	CHECK(t.worker == 3 && t.since_ms == s.since_ms && t.seen_ms == s.seen_ms &&
		      t.expires_ms == s.expires_ms,
	      "numbers come back");
	CHECK(!strcmp(t.user, s.user) && !strcmp(t.realm, s.realm) && !strcmp(t.relay, s.relay) &&
		      !strcmp(t.client, s.client) && !strcmp(t.local, s.local) &&
		      !strcmp(t.transport, "udp"),
	      "strings come back");
	CHECK(t.bytes_to_peer == s.bytes_to_peer && t.pkts_to_client == 2, "counters come back");
	CHECK_EQ_INT(fleet_sess_format(&s, buf, 40), -ENOSPC, "too small a buffer: -ENOSPC");
}

static void test_line_empty_fields(void)
{
	struct fleet_sess s = sample(), t;
	char buf[FLEET_LINE_MAX];
	int n;

	s.user[0] = s.realm[0] = s.relay[0] = '\0';
	n = fleet_sess_format(&s, buf, sizeof(buf));
	CHECK(strstr(buf, " relay= user= realm= ") != NULL, "empty values stay keys: %s", buf);
	CHECK_EQ_INT(fleet_sess_parse(buf, (size_t)n, &t), 0, "and parse");
	CHECK(t.user[0] == '\0' && t.relay[0] == '\0', "as empty strings");
}

static int parse(const char *line)
{
	struct fleet_sess t;

	return fleet_sess_parse(line, strlen(line), &t);
}

static void test_line_strict(void)
{
	struct fleet_sess s = sample();
	char buf[FLEET_LINE_MAX], bad[FLEET_LINE_MAX + 8];
	char *p;

	fleet_sess_format(&s, buf, sizeof(buf));
	CHECK_EQ_INT(parse("v=2 w=0 anything"), -EPROTO, "another version: -EPROTO");
	CHECK_EQ_INT(parse(""), -EINVAL, "empty: -EINVAL");
	snprintf(bad, sizeof(bad), "%s ", buf);
	CHECK_EQ_INT(parse(bad), -EINVAL, "a trailing space");
	snprintf(bad, sizeof(bad), "%s x=1", buf);
	CHECK_EQ_INT(parse(bad), -EINVAL, "an extra field");
	snprintf(bad, sizeof(bad), "%s", buf);
	p = strstr(bad, " realm=");
	*p = '\0';
	CHECK_EQ_INT(parse(bad), -EINVAL, "a missing field");
	snprintf(bad, sizeof(bad), "%s", buf);
	p = strstr(bad, "user=");
	memcpy(p, "usr=", 4);
	CHECK_EQ_INT(parse(bad), -EINVAL, "a wrong key");
	snprintf(bad, sizeof(bad), "%s", buf);
	p = strstr(bad, "%20");
	memcpy(p, "%2G", 3);
	CHECK_EQ_INT(parse(bad), -EINVAL, "a bad escape");
	snprintf(bad, sizeof(bad), "%s", buf);
	p = strstr(bad, "%20");
	memcpy(p, "%00", 3);
	CHECK_EQ_INT(parse(bad), -EINVAL, "an encoded NUL");
	snprintf(bad, sizeof(bad), "%s", buf);
	p = strstr(bad, "%20");
	memcpy(p, "\"  ", 3);
	CHECK_EQ_INT(parse(bad), -EINVAL, "a byte that should have been encoded");
	snprintf(bad, sizeof(bad), "%s", buf);
	p = strstr(bad, "since=") + 6;
	*p = '-';
	CHECK_EQ_INT(parse(bad), -EINVAL, "a signed number");
	snprintf(bad, sizeof(bad), "%s", buf);
	p = strstr(bad, " bytes_to_client=0");
	strcpy(p, " bytes_to_client=%");
	CHECK_EQ_INT(parse(bad), -EINVAL, "a cut escape");
	CHECK_EQ_INT(parse("v=1 w=70000 since=0 seen=0 expires=0 transport=udp client= local= "
			   "relay= user= realm= pkts_to_peer=0 pkts_to_client=0 bytes_to_peer=0 "
			   "bytes_to_client=0"),
		     -EINVAL, "a worker out of range");
	CHECK_EQ_INT(parse("v=1 w=1 since=0 seen=0 expires=0 transport=udp client= local= "
			   "relay= user= realm= pkts_to_peer=0 pkts_to_client=0 bytes_to_peer=0 "
			   "bytes_to_client=0"),
		     0, "the smallest line");
}

static int ctl(const char *msg, struct fleet_ctl *c)
{
	return fleet_ctl_parse(msg, strlen(msg), c);
}

static void test_ctl(void)
{
	struct fleet_ctl c, d;
	char buf[4 * FLEET_NAME_MAX];

	memset(&c, 0, sizeof(c));
	c.kind = FLEET_CTL_KILL_USER;
	strcpy(c.realm, "*");
	strcpy(c.user, "bob smith");
	CHECK(fleet_ctl_format(&c, buf, sizeof(buf)) > 0 &&
		      !strcmp(buf, "kill-user %2A bob%20smith"),
	      "a realm named * is encoded: %s", buf);
	CHECK(ctl(buf, &d) == 0 && !d.any_realm && !strcmp(d.realm, "*") &&
		      !strcmp(d.user, "bob smith"),
	      "and parses as that realm");
	c.any_realm = true;
	fleet_ctl_format(&c, buf, sizeof(buf));
	CHECK(!strcmp(buf, "kill-user * bob%20smith"), "any realm: *");
	CHECK(ctl(buf, &d) == 0 && d.kind == FLEET_CTL_KILL_USER && d.any_realm, "parses");
	memset(&c, 0, sizeof(c));
	c.kind = FLEET_CTL_KILL_SESSION;
	strcpy(c.node, "n1~0badf00d");
	c.id = 0x1000000000002aull;
	fleet_ctl_format(&c, buf, sizeof(buf));
	CHECK(!strcmp(buf, "kill-session n1~0badf00d 1000000000002a"), "kill-session: %s", buf);
	CHECK(ctl(buf, &d) == 0 && d.kind == FLEET_CTL_KILL_SESSION &&
		      !strcmp(d.node, "n1~0badf00d") && d.id == c.id,
	      "parses");
	CHECK_EQ_INT(ctl("kill-session n1 0", &d), -EINVAL, "session 0");
	CHECK_EQ_INT(ctl("kill-session n1 12345678901234567", &d), -EINVAL, "17 hex digits");
	CHECK_EQ_INT(ctl("kill-session n1 2A", &d), -EINVAL, "upper-case hex");
	CHECK_EQ_INT(ctl("kill-session n1 2a x", &d), -EINVAL, "an extra word");
	CHECK_EQ_INT(ctl("kill-user * ", &d), -EINVAL, "no user");
	CHECK_EQ_INT(ctl("kill-user *", &d), -EINVAL, "no user at all");
	CHECK_EQ_INT(ctl("kill-user  bob", &d), -EINVAL, "two spaces");
	CHECK_EQ_INT(ctl("kill-user x bob\n", &d), -EINVAL, "a newline");
	CHECK_EQ_INT(ctl("kill-all", &d), -EINVAL, "an unknown command");
	CHECK_EQ_INT(ctl("", &d), -EINVAL, "empty");
}

int main(void)
{
	test_line_roundtrip();
	test_line_empty_fields();
	test_line_strict();
	test_ctl();
	return tap_done();
}
