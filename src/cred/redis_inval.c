/* What a changed Redis key invalidates (cred/redis_inval.h). */
#include "cred/redis_inval.h"

#include <stdbool.h>
#include <string.h>

#include "cred/redis_keys.h"

/* "turn/realm/" and "tern/realm/" are as long. */
#define INVAL_REALM_LEN (sizeof(CRED_REDIS_REALM_PREFIX) - 1)
#define INVAL_INFIX_LEN (sizeof(CRED_REDIS_USER_INFIX) - 1)

static bool has_prefix(const char *s, size_t len, const char *p)
{
	size_t n = strlen(p);

	return len >= n && memcmp(s, p, n) == 0;
}

static bool leaf_is(const char *leaf, size_t len, const char *const *names)
{
	for (; *names; names++)
		if (strlen(*names) == len && memcmp(leaf, *names, len) == 0)
			return true;
	return false;
}

static const char *last_slash(const char *s, size_t len)
{
	while (len > 0)
		if (s[--len] == '/')
			return s + len;
	return NULL;
}

/* body "<R>/user/<U>" (leaf removed): drops every (R, U) reading. Whether there was one. */
static bool inval_users(const char *body, size_t len, const struct cred_redis_inval_ops *ops,
			void *arg)
{
	bool any = false;

	for (size_t i = 0; i + INVAL_INFIX_LEN <= len; i++) {
		if (memcmp(body + i, CRED_REDIS_USER_INFIX, INVAL_INFIX_LEN) != 0)
			continue;
		ops->user(arg, body, i, body + i + INVAL_INFIX_LEN, len - i - INVAL_INFIX_LEN);
		any = true;
	}
	return any;
}

/* rest: the key after "t?rn/realm/". */
static void inval_realm_key(const char *rest, size_t len, const struct cred_redis_inval_ops *ops,
			    void *arg)
{
	static const char *const user_leaves[] = {CRED_REDIS_KEY, CRED_REDIS_PASSWORD,
						  CRED_REDIS_SHA256, NULL};
	static const char *const realm_leaves[] = {CRED_REDIS_SECRET, CRED_REDIS_MAX_BPS,
						   CRED_REDIS_USER_QUOTA, CRED_REDIS_TOTAL_QUOTA,
						   NULL};
	static const char *const peer_leaves[] = {CRED_REDIS_ALLOWED, CRED_REDIS_DENIED, NULL};
	const char *slash = last_slash(rest, len);
	size_t blen = slash ? (size_t)(slash - rest) : 0;
	const char *leaf = slash ? slash + 1 : rest;
	size_t llen = len - (size_t)(leaf - rest);

	if (slash && leaf_is(leaf, llen, user_leaves) && inval_users(rest, blen, ops, arg))
		return;
	if (slash && leaf_is(leaf, llen, peer_leaves)) {
		ops->peers(arg, rest, blen);
		return;
	}
	if (slash && leaf_is(leaf, llen, realm_leaves)) {
		ops->realm(arg, rest, blen);
		return;
	}
	/* Unknown: the realm, whichever '/' ends its name (or none). */
	for (size_t i = 0; i < len; i++) {
		if (rest[i] != '/')
			continue;
		ops->realm(arg, rest, i);
		ops->peers(arg, rest, i);
	}
	ops->realm(arg, rest, len);
	ops->peers(arg, rest, len);
}

void cred_redis_inval_key(const char *key, size_t len, const struct cred_redis_inval_ops *ops,
			  void *arg)
{
	if (has_prefix(key, len, CRED_REDIS_REALM_PREFIX) ||
	    has_prefix(key, len, CRED_REDIS_TRACK_PREFIX_TERN))
		inval_realm_key(key + INVAL_REALM_LEN, len - INVAL_REALM_LEN, ops, arg);
	else if (has_prefix(key, len, CRED_REDIS_TRACK_PREFIX_TURN))
		ops->all(arg);
}

void cred_redis_inval_msg(const char *msg, size_t len, const struct cred_redis_inval_ops *ops,
			  void *arg)
{
	if (len == 1 && msg[0] == '*') {
		ops->all(arg);
		return;
	}
	for (size_t i = 0; i < len; i++)
		if (msg[i] == '/')
			ops->user(arg, msg, i, msg + i + 1, len - i - 1);
	ops->realm(arg, msg, len);
	ops->peers(arg, msg, len);
}
