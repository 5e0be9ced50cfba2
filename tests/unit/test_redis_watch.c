/* The +switch-master payload (cred/redis_watch.h): the new address of our master, another
 * master's name ignored, IPv6 addresses, and malformed messages refused without touching
 * the output. */
#include "cred/redis_watch.h"

#include <errno.h>
#include <string.h>

#include "tap.h"

static int parse(const char *msg, const char *master, struct cred_redis_addr *out)
{
	return cred_redis_watch_parse(msg, strlen(msg), master, out);
}

static void test_ours(void)
{
	struct cred_redis_addr a = {"", 0};

	CHECK_EQ_INT(parse("mymaster 10.0.0.1 6379 10.0.0.2 6380", "mymaster", &a), 0,
		     "a switch of our master");
	CHECK(strcmp(a.host, "10.0.0.2") == 0 && a.port == 6380, "the new address (%s:%u)", a.host,
	      a.port);
	CHECK_EQ_INT(parse("m ::1 6379 fd00::2 7000", "m", &a), 0, "IPv6 addresses");
	CHECK(strcmp(a.host, "fd00::2") == 0 && a.port == 7000, "the new IPv6 address (%s:%u)",
	      a.host, a.port);
	CHECK_EQ_INT(parse("  m 1.1.1.1 1  2.2.2.2 2 ", "m", &a), 0, "extra blanks");
	CHECK(strcmp(a.host, "2.2.2.2") == 0 && a.port == 2, "extra blanks: address");
}

static void test_others(void)
{
	struct cred_redis_addr a = {"unchanged", 1};

	CHECK_EQ_INT(parse("other 10.0.0.1 6379 10.0.0.2 6380", "mymaster", &a), -ENOENT,
		     "another master's name");
	CHECK_EQ_INT(parse("mymasterx 10.0.0.1 6379 10.0.0.2 6380", "mymaster", &a), -ENOENT,
		     "a longer name is another name");
	CHECK_EQ_INT(parse("mymaster 10.0.0.1 6379 10.0.0.2", "mymaster", &a), -EINVAL,
		     "four fields");
	CHECK_EQ_INT(parse("mymaster 10.0.0.1 6379 10.0.0.2 6380 x", "mymaster", &a), -EINVAL,
		     "six fields");
	CHECK_EQ_INT(parse("mymaster 10.0.0.1 6379 10.0.0.2 0", "mymaster", &a), -EINVAL, "port 0");
	CHECK_EQ_INT(parse("mymaster 10.0.0.1 6379 10.0.0.2 65536", "mymaster", &a), -EINVAL,
		     "port out of range");
	CHECK_EQ_INT(parse("mymaster 10.0.0.1 6379 10.0.0.2 12a", "mymaster", &a), -EINVAL,
		     "port not a number");
	CHECK_EQ_INT(parse("mymaster 10.0.0.1 6379 [::1]:5 6380", "mymaster", &a), -EINVAL,
		     "brackets in the address");
	CHECK_EQ_INT(parse("", "mymaster", &a), -EINVAL, "empty");
	CHECK(strcmp(a.host, "unchanged") == 0 && a.port == 1, "refusals leave the output alone");
}

int main(void)
{
	test_ours();
	test_others();
	return tap_done();
}
