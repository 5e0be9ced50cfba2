/* The static credential store: an immutable table built once, searched by binary search on
 * the username or on the USERHASH (RFC 8489 §14.4). Lookups only read it. */
#include "cred/static.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "auth/key.h"
#include "base/codec.h"

/* RFC 8489 §14.3: USERNAME is fewer than 509 bytes. */
#define CRED_STATIC_NAME_MAX 508
/* coturn's "name:0x<hex MD5 key>". */
#define CRED_STATIC_HEX_PREFIX "0x"
#define CRED_STATIC_HEX_LEN    (2 + 2 * CRYPTO_MD5_LEN)

struct cred_static_user {
	char *name; /* NUL-terminated copy, owned */
	size_t name_len;
	uint8_t userhash[CRYPTO_SHA256_LEN];
	struct cred_key key;
};

struct cred_static {
	char *realm; /* owned */
	size_t realm_len;
	size_t n;
	struct cred_static_user *users;		 /* sorted by name */
	const struct cred_static_user **by_hash; /* the same users sorted by USERHASH */
	struct cred_limits limits;		 /* none: the server's limits apply */
};

/* One parsed spec: views into the spec string. */
struct cred_static_spec {
	const char *name;
	size_t name_len;
	const char *pass;
	size_t pass_len;
};

static int spec_parse(const char *spec, struct cred_static_spec *out)
{
	const char *colon = spec ? strchr(spec, ':') : NULL;

	if (colon == NULL || colon == spec || colon[1] == '\0')
		return -EINVAL;
	if ((size_t)(colon - spec) > CRED_STATIC_NAME_MAX)
		return -EINVAL;
	out->name = spec;
	out->name_len = (size_t)(colon - spec);
	out->pass = colon + 1;
	out->pass_len = strlen(colon + 1);
	return 0;
}

int cred_static_check_user(const char *spec)
{
	struct cred_static_spec sp;

	return spec_parse(spec, &sp);
}

/* True and the key in md5 when pass is coturn's "0x" + 32 hex digits. */
static bool hex_key_parse(const char *pass, size_t len, uint8_t md5[CRYPTO_MD5_LEN])
{
	if (len != CRED_STATIC_HEX_LEN || memcmp(pass, CRED_STATIC_HEX_PREFIX, 2) != 0)
		return false;
	return codec_unhex(pass + 2, len - 2, md5, CRYPTO_MD5_LEN) == 0;
}

static int user_init(struct cred_static_user *u, const struct cred_static_spec *sp,
		     const char *realm, size_t rlen)
{
	uint8_t key[AUTH_KEY_MAX];

	u->name = malloc(sp->name_len + 1);
	if (u->name == NULL)
		return -ENOMEM;
	memcpy(u->name, sp->name, sp->name_len);
	u->name[sp->name_len] = '\0';
	u->name_len = sp->name_len;
	if (auth_userhash(u->name, u->name_len, realm, rlen, u->userhash) < 0)
		return -EIO;
	if (hex_key_parse(sp->pass, sp->pass_len, u->key.md5)) {
		u->key.has_md5 = true;
		return 0;
	}
	if (auth_key_derive(AUTH_KEY_MD5, u->name, u->name_len, realm, rlen, sp->pass, sp->pass_len,
			    key) < 0)
		return -EIO;
	memcpy(u->key.md5, key, CRYPTO_MD5_LEN);
	if (auth_key_derive(AUTH_KEY_SHA256, u->name, u->name_len, realm, rlen, sp->pass,
			    sp->pass_len, key) < 0)
		return -EIO;
	memcpy(u->key.sha256, key, CRYPTO_SHA256_LEN);
	u->key.has_md5 = u->key.has_sha256 = true;
	return 0;
}

static int name_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
	int c = memcmp(a, b, alen < blen ? alen : blen);

	if (c != 0)
		return c;
	return alen < blen ? -1 : alen > blen;
}

static int user_cmp(const void *a, const void *b)
{
	const struct cred_static_user *x = a, *y = b;

	return name_cmp(x->name, x->name_len, y->name, y->name_len);
}

static int hash_cmp(const void *a, const void *b)
{
	const struct cred_static_user *const *x = a, *const *y = b;

	return memcmp((*x)->userhash, (*y)->userhash, CRYPTO_SHA256_LEN);
}

/* Sorts both indexes; -EINVAL when a name appears twice. */
static int store_index(struct cred_static *s)
{
	size_t i;

	qsort(s->users, s->n, sizeof(s->users[0]), user_cmp);
	for (i = 1; i < s->n; i++)
		if (user_cmp(&s->users[i - 1], &s->users[i]) == 0)
			return -EINVAL;
	for (i = 0; i < s->n; i++)
		s->by_hash[i] = &s->users[i];
	qsort(s->by_hash, s->n, sizeof(s->by_hash[0]), hash_cmp);
	return 0;
}

int cred_static_new(const char *realm, const char *const *users, size_t n, struct cred_static **out)
{
	struct cred_static_spec sp;
	struct cred_static *s;
	size_t i;
	int rc;

	if (realm == NULL || realm[0] == '\0')
		return -EINVAL;
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return -ENOMEM;
	s->realm = strdup(realm);
	s->realm_len = strlen(realm);
	s->users = calloc(n ? n : 1, sizeof(s->users[0]));
	s->by_hash = calloc(n ? n : 1, sizeof(s->by_hash[0]));
	rc = -ENOMEM;
	if (s->realm == NULL || s->users == NULL || s->by_hash == NULL)
		goto out;
	for (i = 0; i < n; i++) {
		rc = spec_parse(users[i], &sp);
		if (rc == 0)
			rc = user_init(&s->users[s->n++], &sp, s->realm, s->realm_len);
		if (rc < 0)
			goto out;
	}
	rc = store_index(s);
out:
	if (rc < 0) {
		cred_static_free(s);
		return rc;
	}
	*out = s;
	return 0;
}

void cred_static_free(struct cred_static *s)
{
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < s->n; i++)
		free(s->users[i].name);
	free(s->users);
	free(s->by_hash);
	free(s->realm);
	free(s);
}

size_t cred_static_count(const struct cred_static *s)
{
	return s->n;
}

static const struct cred_static_user *find_name(const struct cred_static *s, const char *name,
						size_t len)
{
	size_t lo = 0, hi = s->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = name_cmp(name, len, s->users[mid].name, s->users[mid].name_len);

		if (c == 0)
			return &s->users[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

static const struct cred_static_user *find_hash(const struct cred_static *s, const uint8_t *h)
{
	size_t lo = 0, hi = s->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = memcmp(h, s->by_hash[mid]->userhash, CRYPTO_SHA256_LEN);

		if (c == 0)
			return s->by_hash[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

/* cred_store_ops.lookup: synchronous; reads s only, so any thread may call it. */
static int static_lookup(void *impl, const struct cred_query *q, cred_cb cb, void *arg)
{
	const struct cred_static *s = impl;
	const struct cred_static_user *u = NULL;
	struct cred_result res = {.status = -ENOENT};

	if (q->user == NULL && q->userhash == NULL)
		return -EINVAL;
	if (q->realm != NULL && q->realm_len == s->realm_len &&
	    memcmp(q->realm, s->realm, s->realm_len) == 0)
		u = q->user ? find_name(s, q->user, q->user_len) : find_hash(s, q->userhash);
	if (u != NULL) {
		res.status = 0;
		res.key = &u->key;
		res.limits = &s->limits;
		if (q->user == NULL) {
			res.user = u->name;
			res.user_len = u->name_len;
		}
	}
	cb(arg, &res);
	return 0;
}

void cred_static_cancel_none(void *impl, cred_cb cb, void *arg)
{
	(void)impl, (void)cb, (void)arg;
}

void cred_static_free_none(void *impl)
{
	(void)impl;
}

static const struct cred_store_ops static_ops = {
	.lookup = static_lookup,
	.cancel = cred_static_cancel_none,
	.free = cred_static_free_none,
};

void cred_static_store(const struct cred_static *s, struct cred_store *out)
{
	out->ops = &static_ops;
	/* impl is void * in the interface; static_lookup only reads through it. */
	out->impl = (void *)(uintptr_t)s;
}
