/* The credential chain (cred/chain.h): precedence (REST secrets pooled, static then Redis
 * users), REST-only realms, use-auth-secret off, USERHASH, a store that answers later and the
 * cancel of its lookup (at whichever link holds it), a store that is down (its error is the
 * answer, no lower store is asked), lookup() failures, peer_verdict routing, and the free.
 * The static users and the REST static secrets are the real stores; the Redis-like stores
 * are scripted ones that implement auth/cred.h. */
#include "cred/chain.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "auth/key.h"
#include "auth/rest.h"
#include "cred/rest_static.h"
#include "cred/static.h"
#include "tap.h"

#define REALM	  "tern.example"
#define REST_USER "4102444800:carol" /* expires in 2100 */
#define REST_OLD  "1:carol"	     /* expired in 1970 */

/* ---- what the caller saw ---- */

struct seen {
	int calls;
	int status;
	size_t nkeys;
	struct cred_key keys[CRED_KEYS_MAX];
	struct cred_limits limits;
	char user[64];
	char quota[64]; /* the quota name, "" without one */
};

static void on_result(void *arg, const struct cred_result *res)
{
	struct seen *s = arg;

	s->calls++;
	s->status = res->status;
	s->nkeys = res->key ? (res->nkeys ? res->nkeys : 1) : 0;
	if (res->key)
		memcpy(s->keys, res->key, s->nkeys * sizeof(s->keys[0]));
	if (res->limits)
		s->limits = *res->limits;
	s->user[0] = '\0';
	if (res->user && res->user_len < sizeof(s->user)) {
		memcpy(s->user, res->user, res->user_len);
		s->user[res->user_len] = '\0';
	}
	s->quota[0] = '\0';
	if (res->quota_user && res->quota_user_len < sizeof(s->quota)) {
		memcpy(s->quota, res->quota_user, res->quota_user_len);
		s->quota[res->quota_user_len] = '\0';
	}
}

/* ---- a scripted store ---- */

struct fake {
	int status;	     /* the answer's status */
	bool later;	     /* answer from fake_answer(), not inside lookup() */
	int rc;		     /* lookup()'s return (< 0: never answers) */
	struct cred_key key; /* the one key of a found answer */
	struct cred_limits limits;
	int verdict; /* peer_verdict */
	int lookups, cancels, frees, verdicts;
	cred_cb cb; /* the lookup held (later) */
	void *arg;
};

static void fake_reply(struct fake *f, cred_cb cb, void *arg)
{
	struct cred_result res = {.status = f->status, .limits = &f->limits};

	if (f->status == 0) {
		res.key = &f->key;
		res.nkeys = 1;
	}
	cb(arg, &res);
}

static int fake_lookup(void *impl, const struct cred_query *q, cred_cb cb, void *arg)
{
	struct fake *f = impl;

	(void)q;
	f->lookups++;
	if (f->rc < 0)
		return f->rc;
	if (!f->later) {
		fake_reply(f, cb, arg);
		return 0;
	}
	f->cb = cb;
	f->arg = arg;
	return 0;
}

/* Answers the lookup held (if any): true when there was one. */
static bool fake_answer(struct fake *f)
{
	cred_cb cb = f->cb;

	if (cb == NULL)
		return false;
	f->cb = NULL;
	fake_reply(f, cb, f->arg);
	return true;
}

static void fake_cancel(void *impl, cred_cb cb, void *arg)
{
	struct fake *f = impl;

	f->cancels++;
	if (f->cb == cb && f->arg == arg)
		f->cb = NULL;
}

static void fake_free(void *impl)
{
	((struct fake *)impl)->frees++;
}

static int fake_verdict(void *impl, const char *realm, size_t rlen, const struct addr *peer)
{
	struct fake *f = impl;

	(void)realm, (void)rlen, (void)peer;
	f->verdicts++;
	return f->verdict;
}

static const struct cred_store_ops fake_ops = {
	.lookup = fake_lookup,
	.cancel = fake_cancel,
	.free = fake_free,
	.peer_verdict = fake_verdict,
};

/* A found fake: its key's first byte is tag. */
static void fake_found(struct fake *f, uint8_t tag)
{
	memset(f, 0, sizeof(*f));
	f->key.has_md5 = true;
	f->key.md5[0] = tag;
}

static struct cred_chain_link fake_link(struct fake *f, enum cred_chain_kind kind)
{
	return (struct cred_chain_link){.store = {&fake_ops, f}, .kind = kind};
}

/* ---- helpers ---- */

static struct cred_static *users;
static struct cred_rest_static *secrets;

static struct cred_chain_link users_link(void)
{
	struct cred_chain_link l = {.kind = CRED_CHAIN_USERS};

	cred_static_store(users, &l.store);
	return l;
}

static struct cred_chain_link secrets_link(void)
{
	struct cred_chain_link l = {.kind = CRED_CHAIN_REST};

	cred_rest_static_store(secrets, &l.store);
	return l;
}

static struct cred_store *chain(bool rest, const struct cred_chain_link *l, size_t n)
{
	struct cred_chain_cfg cfg = {.rest = rest, .rest_sep = ':'};
	struct cred_store *c = NULL;

	if (cred_chain_new(&cfg, l, n, &c) < 0)
		return NULL;
	return c;
}

static int lookup(struct cred_store *c, const char *user, struct seen *s)
{
	struct cred_query q = {
		.realm = REALM, .realm_len = strlen(REALM), .user = user, .user_len = strlen(user)};

	memset(s, 0, sizeof(*s));
	return cred_lookup(c, &q, on_result, s);
}

static void chain_free(struct cred_store *c)
{
	c->ops->free(c->impl);
}

static bool md5_is(const struct cred_key *k, const char *user, const char *pass)
{
	uint8_t want[AUTH_KEY_MAX];

	auth_key_derive(AUTH_KEY_MD5, user, strlen(user), REALM, strlen(REALM), pass, strlen(pass),
			want);
	return k->has_md5 && memcmp(k->md5, want, CRYPTO_MD5_LEN) == 0;
}

static bool rest_key_is(const struct cred_key *k, const char *secret, const char *user)
{
	struct cred_key want;

	auth_rest_key(secret, strlen(secret), user, strlen(user), REALM, strlen(REALM), &want);
	return k->has_md5 && memcmp(k->md5, want.md5, CRYPTO_MD5_LEN) == 0;
}

/* ---- tests ---- */

/* ternd's order: REST static secrets, Redis's secrets, static users, Redis's users. */
static void test_precedence(void)
{
	struct fake fr, fu;
	struct cred_chain_link l[4];
	struct cred_store *c;
	struct seen s;

	fake_found(&fr, 0xA0);
	fr.limits.max_bps = 64000;
	fake_found(&fu, 0xB0);
	l[0] = secrets_link();
	l[1] = fake_link(&fr, CRED_CHAIN_REST);
	l[2] = users_link();
	l[3] = fake_link(&fu, CRED_CHAIN_USERS);
	c = chain(true, l, 4);
	CHECK(c != NULL, "chain of four built");
	lookup(c, "alice", &s);
	CHECK(s.calls == 1 && s.status == 0 && md5_is(&s.keys[0], "alice", "pw-a"),
	      "a static user answers from the static store");
	CHECK(s.quota[0] == '\0', "a static user: no quota name of its own (the username)");
	CHECK(fu.lookups == 0 && fr.lookups == 0, "no lower store and no REST store asked");
	lookup(c, "bob", &s);
	CHECK(s.calls == 1 && s.status == 0 && s.keys[0].md5[0] == 0xB0 && fu.lookups == 1,
	      "unknown to the static store: the next users store answers");
	lookup(c, REST_USER, &s);
	CHECK(s.calls == 1 && s.status == 0, "REST username answered");
	CHECK_EQ_INT(s.nkeys, 3, "REST: every secret of every REST store is an alternative");
	CHECK(rest_key_is(&s.keys[0], "s1", REST_USER) &&
		      rest_key_is(&s.keys[1], "s2", REST_USER) && s.keys[2].md5[0] == 0xA0,
	      "REST: static secrets first, then the next REST store's");
	CHECK_EQ_INT(s.limits.max_bps, 64000, "REST: the lower REST store's realm limits");
	CHECK(strcmp(s.quota, "carol") == 0, "REST: the user quota counts the user part");
	CHECK(fu.lookups == 1 && fr.lookups == 1, "REST: users stores not asked");
	lookup(c, REST_OLD, &s);
	CHECK(s.status == 0 && s.keys[0].md5[0] == 0xB0 && fu.lookups == 2 && fr.lookups == 1,
	      "an expired REST username is a long-term name: users stores, not REST stores");
	CHECK(s.quota[0] == '\0', "a long-term name with the separator: its whole name counts");
	fr.status = -ENOENT;
	fr.limits.max_bps = 32000;
	lookup(c, REST_USER, &s);
	CHECK(s.status == 0 && s.nkeys == 2 && s.limits.max_bps == 32000,
	      "REST: no secret in the lower store: the static keys, its limits still apply");
	fr.status = -EIO;
	lookup(c, REST_USER, &s);
	CHECK(s.calls == 1 && s.status == -EIO,
	      "REST: the lower store down fails closed despite the static keys");
	chain_free(c);
	CHECK(fr.frees == 1 && fu.frees == 1, "free frees every link's store");
}

/* use-auth-secret off: a REST-shaped name is an ordinary user name. */
static void test_rest_off(void)
{
	struct fake fr, fu;
	struct cred_chain_link l[3];
	struct cred_store *c;
	struct seen s;

	fake_found(&fr, 0xA0);
	fake_found(&fu, 0xB0);
	l[0] = fake_link(&fr, CRED_CHAIN_REST);
	l[1] = users_link();
	l[2] = fake_link(&fu, CRED_CHAIN_USERS);
	c = chain(false, l, 3);
	lookup(c, REST_USER, &s);
	CHECK(s.status == 0 && s.keys[0].md5[0] == 0xB0 && fr.lookups == 0 && fu.lookups == 1,
	      "rest off: REST stores never asked, the name goes to the users stores");
	chain_free(c);
}

/* use-auth-secret without lt-cred-mech: only REST links. */
static void test_rest_only(void)
{
	struct fake fr;
	struct cred_chain_link l[2];
	struct cred_store *c;
	struct seen s;

	fake_found(&fr, 0xA0);
	l[0] = secrets_link();
	l[1] = fake_link(&fr, CRED_CHAIN_REST);
	c = chain(true, l, 2);
	CHECK_EQ_INT(lookup(c, "alice", &s), 0, "REST-only: a long-term name is looked up");
	CHECK(s.calls == 1 && s.status == -ENOENT && fr.lookups == 0,
	      "REST-only: a long-term name is unknown at once (401), no store asked");
	lookup(c, REST_OLD, &s);
	CHECK(s.calls == 1 && s.status == -ENOENT, "REST-only: an expired REST name is unknown");
	lookup(c, REST_USER, &s);
	CHECK(s.status == 0 && s.nkeys == 3, "REST-only: a REST name gets the keys");
	fr.status = -ENOENT;
	chain_free(c);
	l[0] = fake_link(&fr, CRED_CHAIN_REST);
	c = chain(true, l, 1);
	lookup(c, REST_USER, &s);
	CHECK(s.calls == 1 && s.status == -ENOENT, "REST-only, no secret anywhere: -ENOENT");
	chain_free(c);
	l[0] = secrets_link();
	c = chain(true, l, 1);
	lookup(c, REST_USER, &s);
	CHECK(s.status == 0 && s.nkeys == 2 && s.limits.max_bps == 0,
	      "static secrets alone: their keys, no limits");
	chain_free(c);
	c = chain(true, NULL, 0);
	lookup(c, "alice", &s);
	CHECK(s.calls == 1 && s.status == -ENOENT, "an empty chain knows nobody");
	chain_free(c);
}

static void test_userhash(void)
{
	struct fake fu;
	struct cred_chain_link l[3];
	struct cred_store *c;
	struct cred_query q = {.realm = REALM, .realm_len = strlen(REALM)};
	uint8_t h[CRYPTO_SHA256_LEN];
	struct seen s = {0};

	fake_found(&fu, 0xB0);
	fu.status = -ENOENT;
	l[0] = secrets_link();
	l[1] = users_link();
	l[2] = fake_link(&fu, CRED_CHAIN_USERS);
	c = chain(true, l, 3);
	auth_userhash("alice", 5, REALM, strlen(REALM), h);
	q.userhash = h;
	cred_lookup(c, &q, on_result, &s);
	CHECK(s.status == 0 && strcmp(s.user, "alice") == 0 && fu.lookups == 0,
	      "USERHASH: the static store finds the user and names it");
	memset(h, 0x55, sizeof(h));
	memset(&s, 0, sizeof(s));
	cred_lookup(c, &q, on_result, &s);
	CHECK(s.status == -ENOENT && fu.lookups == 1, "unknown USERHASH falls through");
	chain_free(c);
}

/* A store that answers later keeps its place; cancel reaches the store holding the lookup. */
static void test_later(void)
{
	struct fake fa, fb;
	struct cred_chain_link l[2];
	struct cred_store *c;
	struct seen s;

	fake_found(&fb, 0xB0);
	fb.later = true;
	l[0] = users_link();
	l[1] = fake_link(&fb, CRED_CHAIN_USERS);
	c = chain(false, l, 2);
	CHECK(lookup(c, "bob", &s) == 0 && s.calls == 0 && cred_chain_pending(c) == 1,
	      "a later store: lookup returns, no answer yet, one pending");
	CHECK(fake_answer(&fb) && s.calls == 1 && s.status == 0 && s.keys[0].md5[0] == 0xB0,
	      "its answer reaches the caller once");
	CHECK_EQ_INT(cred_chain_pending(c), 0, "nothing pending after the answer");
	lookup(c, "bob", &s);
	c->ops->cancel(c->impl, on_result, &s);
	CHECK(fb.cancels == 1 && cred_chain_pending(c) == 0, "cancel reaches the store");
	CHECK(!fake_answer(&fb) && s.calls == 0, "a cancelled lookup is never answered");
	lookup(c, "alice", &s);
	CHECK(s.calls == 1 && s.status == 0 && fb.lookups == 2,
	      "a static user still answers at once");
	chain_free(c);

	fake_found(&fa, 0xA0);
	fa.later = true;
	fa.status = -ENOENT;
	fb.lookups = fb.cancels = 0;
	l[0] = fake_link(&fa, CRED_CHAIN_USERS);
	l[1] = fake_link(&fb, CRED_CHAIN_USERS);
	c = chain(false, l, 2);
	lookup(c, "bob", &s);
	CHECK(fake_answer(&fa) && s.calls == 0 && fb.lookups == 1,
	      "a later -ENOENT walks on to the next store");
	c->ops->cancel(c->impl, on_result, &s);
	CHECK(fb.cancels == 1 && fa.cancels == 0 && cred_chain_pending(c) == 0,
	      "cancel reaches the second store, which holds the lookup");
	lookup(c, "bob", &s);
	fake_answer(&fa);
	CHECK(fake_answer(&fb) && s.calls == 1 && s.status == 0 && s.keys[0].md5[0] == 0xB0,
	      "two later stores: the second one's answer");
	fa.status = -ETIMEDOUT;
	fb.lookups = 0;
	lookup(c, "bob", &s);
	CHECK(fake_answer(&fa) && s.calls == 1 && s.status == -ETIMEDOUT && fb.lookups == 0,
	      "a later -ETIMEDOUT is the answer: the next store is not asked");
	chain_free(c);

	fake_found(&fa, 0xA0);
	fa.later = true;
	fa.status = -ENOENT;
	l[0] = fake_link(&fa, CRED_CHAIN_USERS);
	l[1] = users_link();
	c = chain(false, l, 2);
	lookup(c, "alice", &s);
	CHECK(fake_answer(&fa) && s.calls == 1 && s.status == 0 &&
		      md5_is(&s.keys[0], "alice", "pw-a"),
	      "after a later -ENOENT the copied query reaches the static store");
	chain_free(c);

	fake_found(&fa, 0xA0);
	fa.later = true;
	l[0] = secrets_link();
	l[1] = fake_link(&fa, CRED_CHAIN_REST);
	c = chain(true, l, 2);
	lookup(c, REST_USER, &s);
	CHECK(s.calls == 0 && fake_answer(&fa) && s.calls == 1 && s.nkeys == 3 &&
		      rest_key_is(&s.keys[0], "s1", REST_USER) && s.keys[2].md5[0] == 0xA0,
	      "REST keys pooled across a later store");
	chain_free(c);
}

/* A store that is down answers its error: fail closed, never a lower store. */
static void test_down(void)
{
	struct fake fd, fu, fe;
	struct cred_chain_link l[3];
	struct cred_store *c;
	struct cred_query q = {.user = "bob", .user_len = 3};
	struct seen s;

	fake_found(&fd, 0xD0);
	fd.status = -EIO;
	fake_found(&fu, 0xB0);
	l[0] = users_link();
	l[1] = fake_link(&fd, CRED_CHAIN_USERS);
	l[2] = fake_link(&fu, CRED_CHAIN_USERS);
	c = chain(false, l, 3);
	lookup(c, "alice", &s);
	CHECK(s.status == 0 && fd.lookups == 0, "a static user is answered before a store down");
	lookup(c, "bob", &s);
	CHECK(s.calls == 1 && s.status == -EIO && fu.lookups == 0,
	      "store down: -EIO (500), the lower store is not asked");
	fd.status = -EAGAIN;
	lookup(c, "bob", &s);
	CHECK(s.status == -EAGAIN && fu.lookups == 0, "store busy: -EAGAIN, no fall-through");
	CHECK_EQ_INT(cred_lookup(c, &q, on_result, &s), -EINVAL, "a query without realm: -EINVAL");
	chain_free(c);

	fake_found(&fe, 0xE0);
	fe.rc = -EAGAIN;
	l[0] = users_link();
	l[1] = fake_link(&fe, CRED_CHAIN_USERS);
	c = chain(false, l, 2);
	CHECK(lookup(c, "bob", &s) == -EAGAIN && s.calls == 0 && cred_chain_pending(c) == 0,
	      "a store's lookup() failure is the chain's, without a callback");
	chain_free(c);

	fake_found(&fd, 0xD0);
	fd.later = true;
	fd.status = -ENOENT;
	fe.lookups = 0;
	l[0] = fake_link(&fd, CRED_CHAIN_USERS);
	l[1] = fake_link(&fe, CRED_CHAIN_USERS);
	c = chain(false, l, 2);
	lookup(c, "bob", &s);
	CHECK(fake_answer(&fd) && fe.lookups == 1 && s.calls == 1 && s.status == -EAGAIN,
	      "a lookup() failure after a later answer reaches the caller as its status");
	fe.rc = -ENOMEM;
	lookup(c, "bob", &s);
	CHECK(fake_answer(&fd) && s.calls == 1 && s.status == -EIO,
	      "other lookup() failures after a later answer: -EIO");
	CHECK_EQ_INT(cred_chain_pending(c), 0, "nothing left pending");
	chain_free(c);
}

static void test_verdict(void)
{
	struct fake fa, fb, fc;
	struct cred_chain_link l[4];
	struct cred_store *c;

	fake_found(&fa, 0);
	fake_found(&fb, 0);
	fake_found(&fc, 0);
	fb.verdict = -1;
	fc.verdict = 1;
	l[0] = users_link();
	l[1] = fake_link(&fa, CRED_CHAIN_REST);
	l[2] = fake_link(&fb, CRED_CHAIN_USERS);
	l[3] = fake_link(&fc, CRED_CHAIN_USERS);
	c = chain(true, l, 4);
	CHECK_EQ_INT(cred_peer_verdict(c, REALM, strlen(REALM), NULL), -1,
		     "peer_verdict: the first store with an opinion decides");
	CHECK(fa.verdicts == 1 && fb.verdicts == 1 && fc.verdicts == 0,
	      "stores without peer lists skipped, none asked after the decision");
	chain_free(c);
	l[0] = fake_link(&fa, CRED_CHAIN_REST);
	l[1] = fake_link(&fa, CRED_CHAIN_USERS);
	l[2] = fake_link(&fc, CRED_CHAIN_USERS);
	fa.verdicts = fc.verdicts = 0;
	c = chain(true, l, 3);
	CHECK_EQ_INT(cred_peer_verdict(c, REALM, strlen(REALM), NULL), 1,
		     "two views of one store, no opinion: the next store's verdict");
	CHECK(fa.verdicts == 1 && fc.verdicts == 1, "a store in two links is asked once");
	chain_free(c);
	CHECK_EQ_INT(fa.frees, 3, "each link's store freed (a view is freed per link)");
	l[0] = users_link();
	l[1] = secrets_link();
	c = chain(true, l, 2);
	CHECK_EQ_INT(cred_peer_verdict(c, REALM, strlen(REALM), NULL), 0,
		     "no store keeps peer lists: no opinion");
	chain_free(c);
}

static void test_free_pending(void)
{
	struct fake fa;
	struct cred_chain_link l[1];
	struct cred_store *c;
	struct seen s;

	fake_found(&fa, 0xA0);
	fa.later = true;
	l[0] = fake_link(&fa, CRED_CHAIN_USERS);
	c = chain(false, l, 1);
	lookup(c, "bob", &s);
	chain_free(c);
	CHECK(fa.cancels == 1 && fa.frees == 1 && fa.cb == NULL && s.calls == 0,
	      "free cancels what is pending at its store, then frees the store");
}

int main(void)
{
	static const char *const u[] = {"alice:pw-a"};
	static const char *const sec[] = {"s1", "s2"};
	struct cred_chain_link many[CRED_CHAIN_MAX + 1];
	struct fake f;

	CHECK_EQ_INT(cred_static_new(REALM, u, 1, &users), 0, "static users");
	CHECK_EQ_INT(cred_rest_static_new(sec, 2, &secrets), 0, "static REST secrets");
	CHECK_EQ_INT(cred_rest_static_new(sec, 0, &(struct cred_rest_static *){NULL}), -EINVAL,
		     "no secret: -EINVAL");
	test_precedence();
	test_rest_off();
	test_rest_only();
	test_userhash();
	test_later();
	test_down();
	test_verdict();
	test_free_pending();
	fake_found(&f, 0);
	for (size_t i = 0; i < CRED_CHAIN_MAX + 1; i++)
		many[i] = fake_link(&f, CRED_CHAIN_USERS);
	CHECK(chain(false, many, CRED_CHAIN_MAX + 1) == NULL && f.frees == CRED_CHAIN_MAX + 1,
	      "too many links: refused, the stores freed");
	cred_rest_static_free(secrets);
	cred_static_free(users);
	return tap_done();
}
