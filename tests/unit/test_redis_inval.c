/* What a changed Redis key invalidates (cred/redis_inval.h): coturn's user, realm and
 * peer-list keys, Tern's sha256-key, names containing '/' and "/user/" (every reading),
 * unknown keys under the realm prefix (every realm reading), other turn/ keys (everything),
 * keys outside the prefixes (nothing), and Tern's channel messages. */
#include "cred/redis_inval.h"

#include <stdio.h>
#include <string.h>

#include "tap.h"

/* The drops called, as text: "u:<realm>|<user> r:<realm> p:<realm> all " in order. */
static char got[1024];

static void add(const char *kind, const char *a, size_t alen, const char *b, size_t blen)
{
	size_t n = strlen(got);

	if (b)
		snprintf(got + n, sizeof(got) - n, "%s:%.*s|%.*s ", kind, (int)alen, a, (int)blen,
			 b);
	else if (a)
		snprintf(got + n, sizeof(got) - n, "%s:%.*s ", kind, (int)alen, a);
	else
		snprintf(got + n, sizeof(got) - n, "%s ", kind);
}

static void on_user(void *arg, const char *realm, size_t rlen, const char *user, size_t ulen)
{
	(void)arg;
	add("u", realm, rlen, user, ulen);
}

static void on_realm(void *arg, const char *realm, size_t rlen)
{
	(void)arg;
	add("r", realm, rlen, NULL, 0);
}

static void on_peers(void *arg, const char *realm, size_t rlen)
{
	(void)arg;
	add("p", realm, rlen, NULL, 0);
}

static void on_all(void *arg)
{
	(void)arg;
	add("all", NULL, 0, NULL, 0);
}

static const struct cred_redis_inval_ops ops = {on_user, on_realm, on_peers, on_all, on_all};

static void check_key(const char *key, const char *want)
{
	got[0] = '\0';
	cred_redis_inval_key(key, strlen(key), &ops, NULL);
	CHECK(strcmp(got, want) == 0, "%s -> \"%s\" (got \"%s\")", key, want, got);
}

static void check_msg(const char *msg, const char *want)
{
	got[0] = '\0';
	cred_redis_inval_msg(msg, strlen(msg), &ops, NULL);
	CHECK(strcmp(got, want) == 0, "message %s -> \"%s\" (got \"%s\")", msg, want, got);
}

int main(void)
{
	check_key("turn/realm/ex.org/user/alice/key", "u:ex.org|alice ");
	check_key("turn/realm/ex.org/user/alice/password", "u:ex.org|alice ");
	check_key("tern/realm/ex.org/user/alice/sha256-key", "u:ex.org|alice ");
	check_key("turn/realm/ex.org/secret", "r:ex.org ");
	check_key("turn/realm/ex.org/max-bps", "r:ex.org ");
	check_key("turn/realm/ex.org/user-quota", "r:ex.org ");
	check_key("turn/realm/ex.org/total-quota", "r:ex.org ");
	check_key("turn/realm/ex.org/allowed-peer-ip", "p:ex.org ");
	check_key("turn/realm/ex.org/denied-peer-ip", "p:ex.org ");
	/* '/' and "/user/" inside names: every reading. */
	check_key("turn/realm/a/user/b/user/c/key", "u:a|b/user/c u:a/user/b|c ");
	check_key("turn/realm/a/b/secret", "r:a/b ");
	check_key("turn/realm/a/user/b/secret", "r:a/user/b ");
	/* A user leaf without "/user/": the realm, every reading. */
	check_key("turn/realm/ex.org/key", "r:ex.org p:ex.org r:ex.org/key p:ex.org/key ");
	/* Unknown keys under the realm prefix: the realm, every reading. */
	check_key("tern/realm/ex.org/userhash/ab", "r:ex.org p:ex.org r:ex.org/userhash "
						   "p:ex.org/userhash r:ex.org/userhash/ab "
						   "p:ex.org/userhash/ab ");
	check_key("turn/realm/ex.org", "r:ex.org p:ex.org ");
	/* Other turn/ keys (coturn's turn/secret/<n>, admin users): everything. */
	check_key("turn/secret/1", "all ");
	check_key("turn/admin_user/root", "all ");
	/* Outside the tracked prefixes: nothing. */
	check_key("tern/node/a", "");
	check_key("other/realm/ex.org/secret", "");
	check_key("turn", "");
	check_key("", "");
	/* Tern's channel. */
	check_msg("*", "all ");
	check_msg("ex.org", "r:ex.org p:ex.org ");
	check_msg("ex.org/alice", "u:ex.org|alice r:ex.org/alice p:ex.org/alice ");
	return tap_done();
}
