/* The static credential store: "name:password" parsing, coturn's hex MD5 keys, lookups by
 * username and by USERHASH (RFC 8489 §14.4), unknown users, the other realm. */
#include "cred/static.h"

#include <errno.h>
#include <string.h>

#include "auth/key.h"
#include "tap.h"
#include "../vectors/rfc5769.h"

#define REALM "tern.example"

/* What the callback saw. */
struct seen {
	int calls;
	struct cred_result res;
	struct cred_key key;
	char user[64];
};

static void on_result(void *arg, const struct cred_result *res)
{
	struct seen *s = arg;

	s->calls++;
	s->res = *res;
	if (res->key)
		s->key = *res->key;
	s->user[0] = '\0';
	if (res->user && res->user_len < sizeof(s->user)) {
		memcpy(s->user, res->user, res->user_len);
		s->user[res->user_len] = '\0';
	}
	s->res.key = NULL, s->res.user = NULL; /* borrowed: not valid after the callback */
}

static int lookup(struct cred_store *st, const char *realm, const char *user, const uint8_t *hash,
		  struct seen *s)
{
	struct cred_query q = {
		.realm = realm,
		.realm_len = realm ? strlen(realm) : 0,
		.user = user,
		.user_len = user ? strlen(user) : 0,
		.userhash = hash,
	};

	memset(s, 0, sizeof(*s));
	return cred_lookup(st, &q, on_result, s);
}

static void test_parse(void)
{
	static const char *const dup[] = {"a:1", "b:2", "a:3"};
	static const char *const ok[] = {"a:1"};
	const char *bad[] = {"nopassword", ":pass", "name:", "", NULL};
	struct cred_static *s = NULL;
	char longname[600];
	const char *one[1];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		one[0] = bad[i];
		CHECK_EQ_INT(cred_static_new(REALM, one, 1, &s), -EINVAL, "rejects \"%s\"",
			     bad[i] ? bad[i] : "(null)");
		CHECK_EQ_INT(cred_static_check_user(bad[i]), -EINVAL, "check_user rejects \"%s\"",
			     bad[i] ? bad[i] : "(null)");
	}
	CHECK(s == NULL, "nothing returned on failure");
	CHECK_EQ_INT(cred_static_new(REALM, dup, 3, &s), -EINVAL, "duplicate name rejected");
	CHECK_EQ_INT(cred_static_new("", ok, 1, &s), -EINVAL, "empty realm rejected");
	CHECK_EQ_INT(cred_static_new(NULL, ok, 1, &s), -EINVAL, "no realm rejected");
	memset(longname, 'x', 508);
	strcpy(longname + 508, ":p");
	CHECK_EQ_INT(cred_static_check_user(longname), 0, "508-byte name accepted");
	memset(longname, 'x', 509);
	strcpy(longname + 509, ":p");
	CHECK_EQ_INT(cred_static_check_user(longname), -EINVAL, "509-byte name rejected");
	CHECK_EQ_INT(cred_static_check_user("user:pa:ss"), 0, "password with ':' accepted");
	CHECK_EQ_INT(cred_static_new(REALM, NULL, 0, &s), 0, "empty store");
	CHECK(s != NULL && cred_static_count(s) == 0, "no users");
	cred_static_free(s);
	cred_static_free(NULL);
}

static void test_lookup(void)
{
	static const char *const users[] = {
		"zoe:zpass",	     "alice:wonderland",
		"bob:build:er",	     "legacy:0x8493fbc53ba582fb4c044c456bdc40eb",
		"carol:0xnot-a-key",
	};
	uint8_t key[AUTH_KEY_MAX], uh[32];
	struct cred_static *s;
	struct cred_store st, st2;
	struct seen seen;

	CHECK_EQ_INT(cred_static_new(REALM, users, 5, &s), 0, "store of 5 users");
	CHECK_EQ_INT(cred_static_count(s), 5, "count");
	cred_static_store(s, &st);
	cred_static_store(s, &st2);

	CHECK_EQ_INT(lookup(&st, REALM, "alice", NULL, &seen), 0, "lookup alice");
	CHECK(seen.calls == 1 && seen.res.status == 0 && seen.res.limits != NULL &&
		      seen.user[0] == '\0',
	      "alice found synchronously, no user echoed");
	auth_key_derive(AUTH_KEY_MD5, "alice", 5, REALM, strlen(REALM), "wonderland", 10, key);
	CHECK(seen.key.has_md5 && memcmp(seen.key.md5, key, 16) == 0, "alice MD5 key");
	auth_key_derive(AUTH_KEY_SHA256, "alice", 5, REALM, strlen(REALM), "wonderland", 10, key);
	CHECK(seen.key.has_sha256 && memcmp(seen.key.sha256, key, 32) == 0, "alice SHA-256 key");

	CHECK(lookup(&st2, REALM, "bob", NULL, &seen) == 0 && seen.res.status == 0,
	      "bob through a second store wrapper");
	auth_key_derive(AUTH_KEY_MD5, "bob", 3, REALM, strlen(REALM), "build:er", 8, key);
	CHECK(memcmp(seen.key.md5, key, 16) == 0, "bob: password split at the first ':'");
	CHECK(lookup(&st, REALM, "zoe", NULL, &seen) == 0 && seen.res.status == 0, "zoe");

	auth_userhash("zoe", 3, REALM, strlen(REALM), uh);
	CHECK(lookup(&st, REALM, NULL, uh, &seen) == 0 && seen.calls == 1 && seen.res.status == 0 &&
		      strcmp(seen.user, "zoe") == 0,
	      "USERHASH finds zoe");
	auth_key_derive(AUTH_KEY_SHA256, "zoe", 3, REALM, strlen(REALM), "zpass", 5, key);
	CHECK(memcmp(seen.key.sha256, key, 32) == 0, "USERHASH lookup returns zoe's key");
	auth_userhash("nobody", 6, REALM, strlen(REALM), uh);
	CHECK(lookup(&st, REALM, NULL, uh, &seen) == 0 && seen.calls == 1 &&
		      seen.res.status == -ENOENT && seen.res.limits == NULL,
	      "unknown USERHASH");

	CHECK(lookup(&st, REALM, "mallory", NULL, &seen) == 0 && seen.calls == 1 &&
		      seen.res.status == -ENOENT,
	      "unknown user: -ENOENT");
	CHECK(lookup(&st, REALM, "alic", NULL, &seen) == 0 && seen.res.status == -ENOENT,
	      "a prefix of a name is unknown");
	CHECK(lookup(&st, "other.example", "alice", NULL, &seen) == 0 && seen.res.status == -ENOENT,
	      "another realm: -ENOENT");
	CHECK_EQ_INT(lookup(&st, REALM, NULL, NULL, &seen), -EINVAL, "neither name nor hash");
	CHECK_EQ_INT(seen.calls, 0, "no callback after -EINVAL");

	/* coturn's "name:0x<hex key>": the MD5 key as given, no SHA-256 key. */
	CHECK(lookup(&st, REALM, "legacy", NULL, &seen) == 0 && seen.res.status == 0 &&
		      seen.key.has_md5 && !seen.key.has_sha256,
	      "hex key: MD5 only");
	auth_key_derive(AUTH_KEY_MD5, "user", 4, "realm", 5, "pass", 4, key);
	CHECK_MEM(seen.key.md5, key, 16, "hex key taken verbatim");
	CHECK(lookup(&st, REALM, "carol", NULL, &seen) == 0 && seen.key.has_sha256,
	      "\"0x\" not followed by 32 hex digits is a password");

	st.ops->cancel(st.impl, on_result, &seen);
	st.ops->free(st.impl);
	st2.ops->free(st2.impl);
	cred_static_free(s);
}

/* The RFC 5769 §2.4 user: keys match the vector's, USERHASH matches RFC 8489 B.1. */
static void test_rfc_user(void)
{
	const char *spec = RFC5769_LT_USERNAME ":" RFC5769_LT_PASSWORD;
	uint8_t key[AUTH_KEY_MAX];
	struct cred_static *s;
	struct cred_store st;
	struct seen seen;

	CHECK_EQ_INT(cred_static_new(RFC5769_LT_REALM, &spec, 1, &s), 0, "RFC 5769 user");
	cred_static_store(s, &st);
	CHECK(lookup(&st, RFC5769_LT_REALM, NULL, rfc8489_b1_userhash, &seen) == 0 &&
		      seen.res.status == 0 && strcmp(seen.user, RFC5769_LT_USERNAME) == 0,
	      "RFC 8489 B.1 USERHASH finds the user");
	auth_key_derive(AUTH_KEY_SHA256, RFC5769_LT_USERNAME, strlen(RFC5769_LT_USERNAME),
			RFC5769_LT_REALM, strlen(RFC5769_LT_REALM), RFC5769_LT_PASSWORD,
			strlen(RFC5769_LT_PASSWORD), key);
	CHECK_MEM(seen.key.sha256, key, 32, "its SHA-256 key");
	cred_static_free(s);
}

int main(void)
{
	test_parse();
	test_lookup();
	test_rfc_user();
	return tap_done();
}
