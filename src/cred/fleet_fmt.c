/* The session registry's text formats (cred/fleet_fmt.h). */
#include "cred/fleet_fmt.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "base/codec.h"

/* A text being written: n may run past cap (then the result is -ENOSPC). */
struct fleet_out {
	char *buf;
	size_t cap, n;
};

static void fleet_put(struct fleet_out *o, const char *s, size_t len)
{
	if (o->n + len < o->cap)
		memcpy(o->buf + o->n, s, len);
	o->n += len;
}

static bool fleet_plain(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c && strchr("-._~:[],@+/", c));
}

static void fleet_put_enc(struct fleet_out *o, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		char e[3] = {'%', hex[*p >> 4], hex[*p & 15]};

		if (fleet_plain(*p))
			fleet_put(o, (const char *)p, 1);
		else
			fleet_put(o, e, 3);
	}
}

static void fleet_put_kv(struct fleet_out *o, const char *key, const char *val)
{
	if (o->n)
		fleet_put(o, " ", 1);
	fleet_put(o, key, strlen(key));
	fleet_put(o, "=", 1);
	fleet_put_enc(o, val);
}

static void fleet_put_num(struct fleet_out *o, const char *key, uint64_t v)
{
	char num[24];

	snprintf(num, sizeof(num), "%" PRIu64, v);
	fleet_put_kv(o, key, num);
}

static int fleet_out_end(struct fleet_out *o)
{
	if (o->n >= o->cap) {
		if (o->cap)
			o->buf[0] = '\0';
		return -ENOSPC;
	}
	o->buf[o->n] = '\0';
	return (int)o->n;
}

int fleet_sess_format(const struct fleet_sess *s, char *buf, size_t cap)
{
	struct fleet_out o = {buf, cap, 0};

	fleet_put_num(&o, "v", FLEET_SESS_VERSION);
	fleet_put_num(&o, "w", s->worker);
	fleet_put_num(&o, "since", s->since_ms);
	fleet_put_num(&o, "seen", s->seen_ms);
	fleet_put_num(&o, "expires", s->expires_ms);
	fleet_put_kv(&o, "transport", s->transport);
	fleet_put_kv(&o, "client", s->client);
	fleet_put_kv(&o, "local", s->local);
	fleet_put_kv(&o, "relay", s->relay);
	fleet_put_kv(&o, "user", s->user);
	fleet_put_kv(&o, "realm", s->realm);
	fleet_put_num(&o, "pkts_to_peer", s->pkts_to_peer);
	fleet_put_num(&o, "pkts_to_client", s->pkts_to_client);
	fleet_put_num(&o, "bytes_to_peer", s->bytes_to_peer);
	fleet_put_num(&o, "bytes_to_client", s->bytes_to_client);
	return fleet_out_end(&o);
}

/* A text being read: the next field is at p. */
struct fleet_in {
	const char *p, *end;
};

/* The next space-separated word into [*w, *w + *len). 0, or -EINVAL at the end. */
static int fleet_word(struct fleet_in *in, const char **w, size_t *len)
{
	const char *sp;

	if (in->p >= in->end)
		return -EINVAL;
	sp = memchr(in->p, ' ', (size_t)(in->end - in->p));
	*w = in->p;
	*len = (size_t)((sp ? sp : in->end) - in->p);
	in->p = sp ? sp + 1 : in->end;
	/* Exactly one space between words, none at the end. */
	if (*len == 0 || (sp && in->p == in->end))
		return -EINVAL;
	return 0;
}

/* Percent-decodes s[0..len) into out (cap bytes, NUL-terminated): no NUL, no byte that
 * should have been encoded written bare. 0 or -EINVAL. */
static int fleet_dec(const char *s, size_t len, char *out, size_t cap)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++) {
		uint8_t v = (uint8_t)s[i];

		if (s[i] == '%') {
			if (i + 2 >= len || codec_unhex(s + i + 1, 2, &v, 1) < 0 || v == 0)
				return -EINVAL;
			i += 2;
		} else if (!fleet_plain(v)) {
			return -EINVAL;
		}
		if (n + 1 >= cap)
			return -EINVAL;
		out[n++] = (char)v;
	}
	out[n] = '\0';
	return 0;
}

/* "key=value" with this key: the value decoded into out. */
static int fleet_get_kv(struct fleet_in *in, const char *key, char *out, size_t cap)
{
	size_t klen = strlen(key), len;
	const char *w;

	if (fleet_word(in, &w, &len) < 0 || len <= klen || memcmp(w, key, klen) != 0 ||
	    w[klen] != '=')
		return -EINVAL;
	return fleet_dec(w + klen + 1, len - klen - 1, out, cap);
}

static int fleet_get_num(struct fleet_in *in, const char *key, uint64_t *out)
{
	char num[24];

	if (fleet_get_kv(in, key, num, sizeof(num)) < 0)
		return -EINVAL;
	return codec_dec_u64(num, strlen(num), UINT64_MAX, out);
}

int fleet_sess_parse(const char *line, size_t len, struct fleet_sess *out)
{
	struct fleet_in in = {line, line + len};
	struct fleet_sess s;
	uint64_t v, w;

	memset(&s, 0, sizeof(s));
	if (fleet_get_num(&in, "v", &v) < 0)
		return -EINVAL;
	if (v != FLEET_SESS_VERSION)
		return -EPROTO;
	if (fleet_get_num(&in, "w", &w) < 0 || w > 0xffff ||
	    fleet_get_num(&in, "since", &s.since_ms) < 0 ||
	    fleet_get_num(&in, "seen", &s.seen_ms) < 0 ||
	    fleet_get_num(&in, "expires", &s.expires_ms) < 0 ||
	    fleet_get_kv(&in, "transport", s.transport, sizeof(s.transport)) < 0 ||
	    fleet_get_kv(&in, "client", s.client, sizeof(s.client)) < 0 ||
	    fleet_get_kv(&in, "local", s.local, sizeof(s.local)) < 0 ||
	    fleet_get_kv(&in, "relay", s.relay, sizeof(s.relay)) < 0 ||
	    fleet_get_kv(&in, "user", s.user, sizeof(s.user)) < 0 ||
	    fleet_get_kv(&in, "realm", s.realm, sizeof(s.realm)) < 0 ||
	    fleet_get_num(&in, "pkts_to_peer", &s.pkts_to_peer) < 0 ||
	    fleet_get_num(&in, "pkts_to_client", &s.pkts_to_client) < 0 ||
	    fleet_get_num(&in, "bytes_to_peer", &s.bytes_to_peer) < 0 ||
	    fleet_get_num(&in, "bytes_to_client", &s.bytes_to_client) < 0 || in.p != in.end)
		return -EINVAL;
	s.worker = (unsigned)w;
	*out = s;
	return 0;
}

int fleet_ctl_format(const struct fleet_ctl *c, char *buf, size_t cap)
{
	struct fleet_out o = {buf, cap, 0};
	char hex[24];

	if (c->kind == FLEET_CTL_KILL_USER) {
		fleet_put(&o, "kill-user ", 10);
		if (c->any_realm)
			fleet_put(&o, "*", 1);
		else if (strcmp(c->realm, "*") == 0)
			fleet_put(&o, "%2A", 3);
		else
			fleet_put_enc(&o, c->realm);
		fleet_put(&o, " ", 1);
		fleet_put_enc(&o, c->user);
	} else {
		snprintf(hex, sizeof(hex), "%" PRIx64, c->id);
		fleet_put(&o, "kill-session ", 13);
		fleet_put_enc(&o, c->node);
		fleet_put(&o, " ", 1);
		fleet_put(&o, hex, strlen(hex));
	}
	return fleet_out_end(&o);
}

static int fleet_ctl_kill_user(struct fleet_in *in, struct fleet_ctl *c)
{
	const char *w;
	size_t len;

	if (fleet_word(in, &w, &len) < 0)
		return -EINVAL;
	if (len == 1 && w[0] == '*')
		c->any_realm = true;
	else if (fleet_dec(w, len, c->realm, sizeof(c->realm)) < 0 || c->realm[0] == '\0')
		return -EINVAL;
	if (fleet_word(in, &w, &len) < 0 || fleet_dec(w, len, c->user, sizeof(c->user)) < 0)
		return -EINVAL;
	return in->p == in->end ? 0 : -EINVAL;
}

static int fleet_ctl_kill_session(struct fleet_in *in, struct fleet_ctl *c)
{
	const char *w;
	size_t len;
	uint64_t id = 0;

	if (fleet_word(in, &w, &len) < 0 || fleet_dec(w, len, c->node, sizeof(c->node)) < 0 ||
	    fleet_word(in, &w, &len) < 0 || len > 16 || in->p != in->end)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		char h = w[i];
		unsigned d = h >= '0' && h <= '9'   ? (unsigned)(h - '0')
			     : h >= 'a' && h <= 'f' ? (unsigned)(h - 'a' + 10)
						    : 16u;

		if (d > 15)
			return -EINVAL;
		id = id << 4 | d;
	}
	if (id == 0)
		return -EINVAL;
	c->id = id;
	return 0;
}

int fleet_ctl_parse(const char *msg, size_t len, struct fleet_ctl *out)
{
	struct fleet_in in = {msg, msg + len};
	struct fleet_ctl c;
	const char *w;
	size_t wlen;
	int rc;

	memset(&c, 0, sizeof(c));
	if (fleet_word(&in, &w, &wlen) < 0)
		return -EINVAL;
	if (wlen == 9 && memcmp(w, "kill-user", 9) == 0) {
		c.kind = FLEET_CTL_KILL_USER;
		rc = fleet_ctl_kill_user(&in, &c);
	} else if (wlen == 12 && memcmp(w, "kill-session", 12) == 0) {
		c.kind = FLEET_CTL_KILL_SESSION;
		rc = fleet_ctl_kill_session(&in, &c);
	} else {
		rc = -EINVAL;
	}
	if (rc == 0)
		*out = c;
	return rc;
}
