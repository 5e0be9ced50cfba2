/* man(7) roff output (base/roff.h). */
#include "base/roff.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

/* Length of the UTF-8 sequence starting with byte c (0: not a valid first byte). */
static size_t utf8_len(unsigned char c)
{
	if (c >= 0xc2 && c <= 0xdf)
		return 2;
	if (c >= 0xe0 && c <= 0xef)
		return 3;
	if (c >= 0xf0 && c <= 0xf4)
		return 4;
	return 0;
}

/* Decodes the sequence of len bytes at s into *cp. 0, or -1 when malformed. */
static int utf8_decode(const unsigned char *s, size_t len, uint32_t *cp)
{
	uint32_t v = s[0] & (0x7f >> len);

	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return -1;
		v = (v << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && v < 0x800) || (len == 4 && (v < 0x10000 || v > 0x10ffff)) ||
	    (v >= 0xd800 && v <= 0xdfff))
		return -1;
	*cp = v;
	return 0;
}

void roff_textn(FILE *f, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	bool line_start = true;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = p[i];
		size_t len = c >= 0x80 ? utf8_len(c) : 1;
		uint32_t cp;

		if (line_start && (c == '.' || c == '\''))
			fputs("\\&", f);
		line_start = c == '\n';
		if (c == '\\')
			fputs("\\e", f);
		else if (c == '-')
			fputs("\\-", f);
		else if (c < 0x80)
			fputc(c, f);
		else if (len && i + len <= n && utf8_decode(p + i, len, &cp) == 0) {
			fprintf(f, "\\[u%04X]", (unsigned)cp);
			i += len - 1;
		} else
			fputc('?', f);
	}
}

void roff_text(FILE *f, const char *s)
{
	roff_textn(f, s, strlen(s));
}

void roff_macro(FILE *f, const char *name, const char *arg)
{
	bool quote = arg && strchr(arg, ' ') != NULL;

	fprintf(f, ".%s", name);
	if (arg) {
		fputs(quote ? " \"" : " ", f);
		for (const char *p = arg; *p;) {
			size_t n = strcspn(p, "\"");

			roff_textn(f, p, n);
			p += n;
			if (*p == '"') {
				fputs("\\(dq", f);
				p++;
			}
		}
		if (quote)
			fputc('"', f);
	}
	fputc('\n', f);
}

void roff_help(FILE *f, const char *text, int indented)
{
	bool nofill = false;

	for (const char *p = text; *p;) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		bool pre = n > 0 && p[0] == ' ';

		if (pre != nofill)
			fputs(pre ? ".nf\n" : ".fi\n", f);
		nofill = pre;
		if (n == 0)
			fputs(indented ? ".IP\n" : ".PP\n", f);
		else {
			roff_textn(f, p, n);
			fputc('\n', f);
		}
		p += n + (nl != NULL);
	}
	if (nofill)
		fputs(".fi\n", f);
}
