/* The admin socket's value formats (app/admin.h): text values, JSON strings, and the
 * request's percent-decoding. */
#include "app/admin.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <event2/buffer.h>

#include "base/codec.h"

static bool app_admin_plain(unsigned char c)
{
	return c > 0x20 && c < 0x7f && c != '"' && c != '\\';
}

void app_admin_put_text(struct evbuffer *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	bool bare = *p != '\0';

	for (const unsigned char *q = p; *q && bare; q++)
		bare = app_admin_plain(*q);
	if (bare) {
		evbuffer_add(b, s, strlen(s));
		return;
	}
	evbuffer_add(b, "\"", 1);
	for (; *p; p++) {
		if (*p == '"' || *p == '\\')
			evbuffer_add_printf(b, "\\%c", *p);
		else if (*p >= 0x20 && *p < 0x7f)
			evbuffer_add(b, p, 1);
		else
			evbuffer_add_printf(b, "\\x%02x", *p);
	}
	evbuffer_add(b, "\"", 1);
}

/* The length of the valid UTF-8 sequence at p (2..4), or 0 (RFC 3629 §4: no overlong
 * forms, no surrogates, nothing above U+10FFFF). */
static size_t app_admin_utf8(const unsigned char *p)
{
	unsigned char c = p[0];
	size_t n;
	uint32_t cp;

	if (c >= 0xc2 && c <= 0xdf)
		n = 2, cp = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3, cp = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4, cp = c & 0x07;
	else
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	if ((n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (n == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return n;
}

void app_admin_put_json(struct evbuffer *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	evbuffer_add(b, "\"", 1);
	while (*p) {
		size_t n;

		if (*p == '"' || *p == '\\') {
			evbuffer_add_printf(b, "\\%c", *p++);
		} else if (*p < 0x20 || *p == 0x7f) {
			evbuffer_add_printf(b, "\\u%04x", *p++);
		} else if (*p < 0x80) {
			evbuffer_add(b, p++, 1);
		} else if ((n = app_admin_utf8(p)) > 0) {
			evbuffer_add(b, p, n);
			p += n;
		} else {
			evbuffer_add(b, "\\ufffd", 6);
			p++;
		}
	}
	evbuffer_add(b, "\"", 1);
}

int app_admin_pct_decode(char *s)
{
	char *w = s;

	for (const char *r = s; *r; r++) {
		uint8_t v;

		if (*r != '%') {
			*w++ = *r;
			continue;
		}
		/* r[1] first: r[2] is then at most the terminator. */
		if (r[1] == '\0' || codec_unhex(r + 1, 2, &v, 1) < 0 || v == 0)
			return -1;
		*w++ = (char)v;
		r += 2;
	}
	*w = '\0';
	return 0;
}
