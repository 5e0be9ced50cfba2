/* Log line formatting (base/log_fmt.h). */
#include "base/log_fmt.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

static const char log_hex[] = "0123456789abcdef";

/* The length (2 to 4) of the valid UTF-8 sequence at p[0..n) that starts with a byte
 * >= 0x80, or 0 (overlong forms, surrogates and code points above U+10FFFF are not
 * valid). */
static size_t log_utf8_len(const uint8_t *p, size_t n)
{
	size_t k, i;
	uint32_t cp, min;

	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		k = 2, cp = p[0] & 0x1fu, min = 0x80;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		k = 3, cp = p[0] & 0x0fu, min = 0x800;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		k = 4, cp = p[0] & 0x07u, min = 0x10000;
	} else {
		return 0;
	}
	if (n < k)
		return 0;
	for (i = 1; i < k; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3fu);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return k;
}

/* Whether the valid sequence at p of length k is a C1 control (U+0080 to U+009F). */
static bool log_is_c1(const uint8_t *p, size_t k)
{
	return k == 2 && p[0] == 0xc2 && p[1] < 0xa0;
}

/* The escape of byte c inside a quoted text value into e (at most 4 bytes); its length. */
static size_t log_text_esc(uint8_t c, char e[4])
{
	const char *named = c == '"'	? "\\\""
			    : c == '\\' ? "\\\\"
			    : c == '\n' ? "\\n"
			    : c == '\r' ? "\\r"
			    : c == '\t' ? "\\t"
					: NULL;

	if (named) {
		memcpy(e, named, 2);
		return 2;
	}
	e[0] = '\\';
	e[1] = 'x';
	e[2] = log_hex[c >> 4];
	e[3] = log_hex[c & 15];
	return 4;
}

static bool log_is_bare(const uint8_t *p, size_t n)
{
	size_t i = 0, k;

	if (n == 0)
		return false;
	while (i < n) {
		if (p[i] > 0x20 && p[i] < 0x7f && p[i] != '"' && p[i] != '\\') {
			i++;
			continue;
		}
		if (p[i] < 0x80)
			return false;
		k = log_utf8_len(p + i, n - i);
		if (k == 0 || log_is_c1(p + i, k))
			return false;
		i += k;
	}
	return true;
}

const char *log_quote(char *buf, size_t cap, const void *s, size_t n)
{
	const uint8_t *p = s;
	size_t i = 0, o = 1, k, m, lim = cap - 5; /* room for "..." '"' NUL */
	const void *src;
	char e[4];

	if (log_is_bare(p, n) && n < cap) {
		memcpy(buf, p, n);
		buf[n] = '\0';
		return buf;
	}
	buf[0] = '"';
	while (i < n) {
		k = p[i] >= 0x80 ? log_utf8_len(p + i, n - i) : 0;
		if (k && !log_is_c1(p + i, k)) {
			src = p + i, m = k;
		} else if (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '"' && p[i] != '\\') {
			src = p + i, m = k = 1;
		} else {
			src = e, m = log_text_esc(p[i], e), k = 1;
		}
		if (o + m > lim)
			break;
		memcpy(buf + o, src, m);
		o += m;
		i += k;
	}
	if (i < n) {
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o++] = '"';
	buf[o] = '\0';
	return buf;
}

size_t log_text_escape(char *out, size_t cap, const char *in, size_t n, size_t *used)
{
	size_t o = 0, k, i;
	char e[4];

	for (i = 0; i < n; i++) {
		uint8_t c = (uint8_t)in[i];

		if (c >= 0x20 && c != 0x7f) {
			if (o + 1 > cap)
				break;
			out[o++] = (char)c;
			continue;
		}
		k = log_text_esc(c, e);
		if (o + k > cap)
			break;
		memcpy(out + o, e, k);
		o += k;
	}
	*used = i;
	return o;
}

/* ---- JSON ---- */

/* Closing a cut object: a string's quote, ,"truncated":"true"}, '\n'. */
#define LOG_JSON_RESERVE 24

/* A bounded JSON writer: past lim (cap minus the reserve) it stops and remembers. */
struct log_jw {
	char *b;
	size_t n, lim;
	bool full;
};

static bool log_jw_put(struct log_jw *w, const void *s, size_t k)
{
	if (w->full || w->n + k > w->lim) {
		w->full = true;
		return false;
	}
	memcpy(w->b + w->n, s, k);
	w->n += k;
	return true;
}

/* s[0..n) escaped as the inside of a JSON string. */
static void log_jw_bytes(struct log_jw *w, const uint8_t *s, size_t n)
{
	char e[6] = {'\\', 'u', '0', '0'};
	size_t i = 0, k;

	while (i < n && !w->full) {
		uint8_t c = s[i];

		k = c >= 0x80 ? log_utf8_len(s + i, n - i) : 1;
		if (c == '"' || c == '\\' || c == '\n' || c == '\r' || c == '\t') {
			e[4] = '\\';
			e[5] = c == '\n' ? 'n' : c == '\r' ? 'r' : c == '\t' ? 't' : (char)c;
			log_jw_put(w, e + 4, 2);
		} else if (c < 0x20 || c == 0x7f || (k && log_is_c1(s + i, k))) {
			uint8_t v = k == 2 ? s[i + 1] : c;

			e[4] = log_hex[v >> 4], e[5] = log_hex[v & 15];
			log_jw_put(w, e, 6);
		} else if (k == 0) {
			log_jw_put(w, "\\ufffd", 6);
			k = 1;
		} else {
			log_jw_put(w, s + i, k);
		}
		i += k;
	}
}

/* A quoted text value (after its opening quote) unescaped into the JSON string; returns
 * how many bytes of v it consumed, the closing quote included. */
static size_t log_jw_unquote(struct log_jw *w, const char *v, size_t n)
{
	static const char from[] = "nrt\"\\", to[] = "\n\r\t\"\\";
	size_t i = 0, j;
	const char *hit, *hi, *lo;
	uint8_t tmp[1024], c;

	for (j = 0; i < n && v[i] != '"'; i++) {
		c = (uint8_t)v[i];
		if (c == '\\' && i + 1 < n) {
			hit = strchr(from, v[i + 1]);
			hi = i + 3 < n ? strchr(log_hex, v[i + 2]) : NULL;
			lo = hi ? strchr(log_hex, v[i + 3]) : NULL;
			if (v[i + 1] == 'x' && hi && lo && *hi && *lo) {
				c = (uint8_t)((hi - log_hex) << 4 | (lo - log_hex));
				i += 3;
			} else if (hit && *hit) {
				c = (uint8_t)to[hit - from];
				i++;
			}
		}
		tmp[j++] = c;
		if (j == sizeof(tmp)) {
			log_jw_bytes(w, tmp, j);
			j = 0;
		}
	}
	log_jw_bytes(w, tmp, j);
	return i < n ? i + 1 : i;
}

/* One token of a message: a word, or key=value. */
struct log_tok {
	const char *s, *val;
	size_t len, klen, vlen; /* the whole token; the key; the value (quotes included) */
	bool field;
};

static bool log_key_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-' || c == '.';
}

/* The token at *pos of msg[0..n), *pos moved past it; false at the end. */
static bool log_tok_next(const char *msg, size_t n, size_t *pos, struct log_tok *t)
{
	size_t i = *pos, k;

	while (i < n && msg[i] == ' ')
		i++;
	if (i == n)
		return false;
	t->s = msg + i;
	for (k = i; k < n && log_key_char(msg[k]);)
		k++;
	t->field = k > i && k < n && msg[k] == '=';
	t->klen = k - i;
	if (t->field && k + 1 < n && msg[k + 1] == '"') {
		for (k += 2; k < n && msg[k] != '"'; k++)
			if (msg[k] == '\\' && k + 1 < n)
				k++;
		k += k < n;
	} else {
		while (k < n && msg[k] != ' ')
			k++;
	}
	t->len = k - i;
	t->val = t->field ? t->s + t->klen + 1 : NULL;
	t->vlen = t->field ? t->len - t->klen - 1 : 0;
	*pos = k;
	return true;
}

/* ,"key":" with a key that collides with a head field renamed; false when full. */
static bool log_jw_key(struct log_jw *w, const char *k, size_t klen)
{
	static const char *const head[] = {"ts", "level", "module", "msg", "truncated"};
	char buf[80];
	size_t n = 0;

	if (klen > sizeof(buf) - 8)
		klen = sizeof(buf) - 8;
	buf[n++] = ',';
	buf[n++] = '"';
	memcpy(buf + n, k, klen);
	n += klen;
	for (size_t i = 0; i < sizeof(head) / sizeof(head[0]); i++)
		if (strlen(head[i]) == klen && memcmp(head[i], k, klen) == 0)
			buf[n++] = '_';
	memcpy(buf + n, "\":\"", 3);
	return log_jw_put(w, buf, n + 3);
}

static void log_jw_head(struct log_jw *w, const struct log_json_head *h)
{
	log_jw_put(w, "{\"ts\":\"", 7);
	log_jw_bytes(w, (const uint8_t *)h->ts, strlen(h->ts));
	log_jw_put(w, "\",\"level\":\"", 11);
	log_jw_bytes(w, (const uint8_t *)h->level, strlen(h->level));
	log_jw_put(w, "\",\"module\":\"", 12);
	log_jw_bytes(w, (const uint8_t *)h->mod, strlen(h->mod));
	log_jw_put(w, "\",\"msg\":\"", 9);
}

size_t log_json_line(char *out, size_t cap, const struct log_json_head *h, const char *msg,
		     size_t n)
{
	struct log_jw w = {.b = out, .lim = cap - LOG_JSON_RESERVE};
	struct log_tok t;
	size_t pos = 0;
	bool first = true;

	log_jw_head(&w, h);
	/* The message: its words that are not fields. */
	while (log_tok_next(msg, n, &pos, &t)) {
		if (t.field)
			continue;
		if (!first)
			log_jw_put(&w, " ", 1);
		log_jw_bytes(&w, (const uint8_t *)t.s, t.len);
		first = false;
	}
	out[w.n++] = '"';
	for (pos = 0; !w.full && log_tok_next(msg, n, &pos, &t);) {
		if (!t.field || !log_jw_key(&w, t.s, t.klen))
			continue;
		if (t.vlen && t.val[0] == '"')
			log_jw_unquote(&w, t.val + 1, t.vlen - 1);
		else
			log_jw_bytes(&w, (const uint8_t *)t.val, t.vlen);
		out[w.n++] = '"';
	}
	if (w.full) {
		memcpy(out + w.n, ",\"truncated\":\"true\"", 19);
		w.n += 19;
	}
	out[w.n++] = '}';
	out[w.n++] = '\n';
	return w.n;
}
