/* The Redis key schema (cred/redis_keys.h): coturn's keys byte for byte, Tern's sha256-key
 * under tern/, names as bytes (embedded NUL, '/', glob characters), the invalidation
 * message, and refusal when the buffer is short. */
#include "cred/redis_keys.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "tap.h"

static void check_key(const struct cred_redis_name *n, const char *leaf, const char *want)
{
	char buf[256];
	int len = cred_redis_key(buf, sizeof(buf), n, leaf);

	CHECK_EQ_INT(len, (int)strlen(want), "length of %s", want);
	CHECK(strcmp(buf, want) == 0, "key %s (got %s)", want, buf);
}

static void test_schema(void)
{
	struct cred_redis_name u = {"example.org", 11, "alice", 5};
	struct cred_redis_name r = {"example.org", 11, NULL, 0};

	check_key(&u, CRED_REDIS_KEY, "turn/realm/example.org/user/alice/key");
	check_key(&u, CRED_REDIS_PASSWORD, "turn/realm/example.org/user/alice/password");
	check_key(&u, CRED_REDIS_SHA256, "tern/realm/example.org/user/alice/sha256-key");
	check_key(&r, CRED_REDIS_SECRET, "turn/realm/example.org/secret");
	check_key(&r, CRED_REDIS_MAX_BPS, "turn/realm/example.org/max-bps");
	check_key(&r, CRED_REDIS_USER_QUOTA, "turn/realm/example.org/user-quota");
	check_key(&r, CRED_REDIS_TOTAL_QUOTA, "turn/realm/example.org/total-quota");
	check_key(&r, CRED_REDIS_ALLOWED, "turn/realm/example.org/allowed-peer-ip");
	check_key(&r, CRED_REDIS_DENIED, "turn/realm/example.org/denied-peer-ip");
	CHECK(strcmp(CRED_REDIS_CHANNEL, "tern/invalidate") == 0, "invalidation channel");
}

static void test_bytes(void)
{
	struct cred_redis_name n = {"r/x*", 4, "a\0b", 3};
	static const char want[] = "turn/realm/r/x*/user/a\0b/key";
	char buf[64];

	CHECK_EQ_INT(cred_redis_key(buf, sizeof(buf), &n, CRED_REDIS_KEY), (int)sizeof(want) - 1,
		     "names are bytes: length");
	CHECK_MEM(buf, want, sizeof(want), "names are bytes, copied as they are");
	n.rlen = 1; /* only "r" of "r/x*" */
	n.user = "bob";
	n.ulen = 3;
	check_key(&n, CRED_REDIS_KEY, "turn/realm/r/user/bob/key");
}

static void test_short(void)
{
	struct cred_redis_name n = {"R", 1, "u", 1};
	char buf[32] = "untouched";
	size_t need = strlen("turn/realm/R/user/u/key");

	CHECK_EQ_INT(cred_redis_key(buf, need, &n, CRED_REDIS_KEY), -ENOSPC, "no room for NUL");
	CHECK(strcmp(buf, "untouched") == 0, "buf untouched when short");
	CHECK_EQ_INT(cred_redis_key(buf, need + 1, &n, CRED_REDIS_KEY), (int)need, "exact fit");
	CHECK_EQ_INT(cred_redis_key_inval(buf, 3, &n), -ENOSPC, "invalidation: no room");
}

static void test_inval(void)
{
	struct cred_redis_name u = {"example.org", 11, "alice", 5};
	struct cred_redis_name r = {"example.org", 11, NULL, 0};
	char buf[64];

	CHECK_EQ_INT(cred_redis_key_inval(buf, sizeof(buf), &u), 17, "user message length");
	CHECK(strcmp(buf, "example.org/alice") == 0, "user message: %s", buf);
	CHECK_EQ_INT(cred_redis_key_inval(buf, sizeof(buf), &r), 11, "realm message length");
	CHECK(strcmp(buf, "example.org") == 0, "realm message: %s", buf);
}

/* tern/realm/<realm>/userhash/<lowercase hex>; realm as bytes; short buffer untouched. */
static void test_userhash(void)
{
	uint8_t h[CRED_REDIS_USERHASH_LEN];
	char buf[160] = "untouched";
	static const char want[] =
		"tern/realm/r\0/x/userhash/"
		"00017f80ff0102030405060708090a0b0c0d0e0f101112131415161718191a1b";
	size_t need = sizeof(want) - 1;

	for (size_t i = 0; i < sizeof(h); i++)
		h[i] = (uint8_t)(i < 5 ? (const uint8_t[]){0, 1, 0x7f, 0x80, 0xff}[i] : i - 4);
	CHECK_EQ_INT(cred_redis_key_userhash(buf, need, "r\0/x", 4, h), -ENOSPC,
		     "userhash key: no room for NUL");
	CHECK(strcmp(buf, "untouched") == 0, "userhash key: buf untouched when short");
	CHECK_EQ_INT(cred_redis_key_userhash(buf, need + 1, "r\0/x", 4, h), (int)need,
		     "userhash key: exact fit");
	CHECK_MEM(buf, want, sizeof(want), "userhash key: realm bytes, then 64 lowercase hex");
	CHECK(strcmp(CRED_REDIS_USERHASH, "userhash") == 0, "userhash leaf");
}

int main(void)
{
	test_schema();
	test_bytes();
	test_short();
	test_inval();
	test_userhash();
	return tap_done();
}
