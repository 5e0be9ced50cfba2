/* Responses to requests of every method: success and error responses finished the same way
 * (SOFTWARE, integrity, FINGERPRINT), the one error-response builder (the 401/438 challenge
 * included), the unauthenticated-reply limit, and the checks every method
 * on an existing allocation shares (RFC 8656 §5). */
#include "turn/core.h"

#include <errno.h>
#include <string.h>

#include "base/crypto.h"
#include "stun/err.h"
#include "stun/stun.h"

void turn_resp_begin(struct turn_ctx *x, struct stun_enc *e)
{
	stun_enc_init(e, x->out, x->cap, x->m->method, STUN_CLASS_SUCCESS, x->m->tid);
}

/* RFC 8489 §9.2.4: responses to an authenticated request carry integrity computed with the
 * same key; FINGERPRINT follows when the request had one (§7.3). SOFTWARE (optional,
 * §14.14) goes on success responses and on the errors of an admitted request (authenticated,
 * or no_auth): an unauthenticated error reply is never larger than its error code, the
 * challenge and FINGERPRINT (DESIGN.md §3). */
static int turn_resp_seal(struct turn_ctx *x, struct stun_enc *e, bool software)
{
	struct turn_server *s = x->s;
	int n;

	if (software && s->software)
		stun_enc_put(e, STUN_ATTR_SOFTWARE, s->software, s->software_len);
	if (x->authed)
		auth_ltc_sign(e, &x->rq, x->key, x->klen);
	if (x->m->i_fp >= 0)
		stun_enc_put_fingerprint(e);
	n = stun_enc_finish(e);
	return n > 0 ? n : -EBADMSG;
}

int turn_resp_finish(struct turn_ctx *x, struct stun_enc *e)
{
	return turn_resp_seal(x, e, true);
}

/* What a 300 adds (RFC 8489 §10): ALTERNATE-SERVER (§14.15) and, for a client on TLS or
 * DTLS, ALTERNATE-DOMAIN (§14.16): the name it checks the alternate's certificate
 * against (NULL: the name it used for this server). */
struct turn_resp_alt {
	const struct addr *server;
	const char *domain;
};

/* The one builder of error responses; challenge adds REALM, NONCE and PASSWORD-ALGORITHMS
 * (RFC 8489 §9.2.4), alt (a 300's) its ALTERNATE-SERVER and ALTERNATE-DOMAIN. */
static int turn_resp_error_build(struct turn_ctx *x, int code, bool challenge,
				 const struct turn_resp_alt *alt)
{
	const struct stun_msg *m = x->m;
	struct turn_server *s = x->s;
	struct stun_enc e;

	stun_enc_error_begin(&e, x->out, x->cap, m->method, m->tid, code, m->unknown, m->nunknown);
	if (challenge)
		auth_ltc_put_challenge(&e, s->cfg->realm, s->cfg->nonce_key, &x->client->src,
				       x->now_ms);
	if (alt)
		stun_enc_put_addr(&e, STUN_ATTR_ALTERNATE_SERVER, alt->server);
	if (alt && alt->domain)
		stun_enc_put(&e, STUN_ATTR_ALTERNATE_DOMAIN, alt->domain, strlen(alt->domain));
	return turn_resp_seal(x, &e, x->authed || x->admitted);
}

/* An admitted Allocate refused (RFC 8656 §7.2; 300 while draining): counted by code. */
static void turn_resp_count_fail(struct turn_ctx *x, int code)
{
	if (x->admitted && x->m->method == STUN_METHOD_ALLOCATE)
		x->s->c.alloc_fail[turn_fail_slot(code)]++;
}

int turn_resp_error(struct turn_ctx *x, int code)
{
	turn_refusal_code(x, code); /* 403, 437, 441, 486, 508: a session line */
	turn_resp_count_fail(x, code);
	return turn_resp_error_build(x, code, false, NULL);
}

int turn_resp_try_alternate(struct turn_ctx *x, const struct addr *alt, const char *domain)
{
	struct turn_resp_alt a = {alt, domain};

	turn_resp_count_fail(x, STUN_ERR_TRY_ALTERNATE);
	return turn_resp_error_build(x, STUN_ERR_TRY_ALTERNATE, false, &a);
}

/* DESIGN.md §3: whatever a source can make us send without credentials is limited per
 * source IP, across workers (turn/ratelimit.h). Only an unproven address can be spoofed:
 * a connection whose handshake proved it (a stream) is never limited. */
int turn_resp_unauth(struct turn_server *s, const struct turn_client *c, int n, uint64_t now_ms)
{
	if (n <= 0 || c->conn->ops->proven)
		return n;
	if (s->unauth && !ratelimit_allow(s->unauth, &c->src, (size_t)n, now_ms)) {
		s->c.unauth_limited++;
		return 0;
	}
	s->c.unauth_sent++;
	s->c.unauth_bytes += (uint64_t)n;
	return n;
}

int turn_resp_unauth_error(struct turn_ctx *x, int code)
{
	return turn_resp_unauth(x->s, x->client, turn_resp_error(x, code), x->now_ms);
}

/* RFC 8489 §9.2.4: 401 (no credentials yet, or wrong ones) and 438 (stale nonce) carry
 * REALM and a fresh NONCE (and PASSWORD-ALGORITHMS). */
int turn_resp_challenge(struct turn_ctx *x, int code)
{
	struct turn_server *s = x->s;
	int n = turn_resp_unauth(s, x->client, turn_resp_error_build(x, code, true, NULL),
				 x->now_ms);

	if (n > 0 && code == STUN_ERR_UNAUTHORIZED)
		s->c.auth_401++;
	else if (n > 0)
		s->c.auth_438++;
	return n;
}

struct turn_alloc *turn_ctx_alloc(struct turn_ctx *x, int *code)
{
	struct turn_alloc *a =
		turn_alloc_find(&x->s->allocs, x->client->conn, &x->client->src, &x->client->local);

	if (a == NULL) {
		*code = STUN_ERR_ALLOCATION_MISMATCH;
		return NULL;
	}
	/* RFC 8656 §5: requests on an allocation use the credentials that created it. */
	if (a->has_ident != x->has_ident ||
	    (a->has_ident && !crypto_equal(a->ident, x->ident, TURN_IDENT_LEN))) {
		*code = STUN_ERR_WRONG_CREDENTIALS;
		return NULL;
	}
	return a;
}

uint32_t turn_lifetime(const struct turn_cfg *cfg, bool has, uint32_t req)
{
	uint32_t def = cfg->default_lifetime_s ? cfg->default_lifetime_s : TURN_ALLOC_LIFETIME_S;
	uint32_t max = cfg->max_lifetime_s ? cfg->max_lifetime_s : TURN_MAX_LIFETIME_S;

	/* RFC 8656 §7.2, §8.2: min(requested, maximum), but never below the default. */
	if (!has)
		return def;
	if (req == 0)
		return 0;
	if (req > max)
		req = max;
	return req > def ? req : def;
}

uint64_t turn_perm_expiry(const struct turn_cfg *cfg, uint64_t now_ms)
{
	uint32_t life = cfg->perm_lifetime_s ? cfg->perm_lifetime_s : TURN_PERM_LIFETIME_S;

	return now_ms + (uint64_t)life * 1000;
}

uint64_t turn_chan_expiry(const struct turn_cfg *cfg, uint64_t now_ms)
{
	uint32_t life = cfg->channel_lifetime_s ? cfg->channel_lifetime_s : TURN_CHANNEL_LIFETIME_S;

	return now_ms + (uint64_t)life * 1000;
}
