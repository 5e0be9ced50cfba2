/* base/roff: escaping for manual pages. */
#include "base/roff.h"

#include <stdlib.h>
#include <string.h>

#include "tap.h"

/* What fn writes for s, in a static buffer. */
static const char *out_text(const char *s)
{
	static char buf[1024];
	FILE *f = fmemopen(buf, sizeof(buf), "w");

	roff_text(f, s);
	fclose(f);
	return buf;
}

static const char *out_macro(const char *name, const char *arg)
{
	static char buf[1024];
	FILE *f = fmemopen(buf, sizeof(buf), "w");

	roff_macro(f, name, arg);
	fclose(f);
	return buf;
}

static const char *out_help(const char *text, int indented)
{
	static char buf[1024];
	FILE *f = fmemopen(buf, sizeof(buf), "w");

	roff_help(f, text, indented);
	fclose(f);
	return buf;
}

#define CHECK_STR(got, want, what)                                                                 \
	do {                                                                                       \
		const char *g_ = (got);                                                            \
		CHECK(strcmp(g_, (want)) == 0, "%s", what);                                        \
		if (strcmp(g_, (want)) != 0)                                                       \
			printf("#   got \"%s\"\n#  want \"%s\"\n", g_, (want));                    \
	} while (0)

int main(void)
{
	CHECK_STR(out_text("--listening-port"), "\\-\\-listening\\-port", "'-' as \\-");
	CHECK_STR(out_text("a\\b"), "a\\eb", "backslash as \\e");
	CHECK_STR(out_text(".TH x\n'quote\nmid.dot'"), "\\&.TH x\n\\&'quote\nmid.dot'",
		  "a control character starting a line is neutralised, elsewhere kept");
	CHECK_STR(out_text("a \xe2\x80\x94 b \xc3\xa9"), "a \\[u2014] b \\[u00E9]",
		  "UTF-8 as \\[uXXXX]");
	CHECK_STR(out_text("\xf0\x9f\x98\x80"), "\\[u1F600]", "a 4-byte sequence");
	CHECK_STR(out_text("x\xff\xc3zy\xe2\x82"), "x??zy??", "invalid UTF-8 as '?'");
	CHECK_STR(out_text("\xed\xa0\x80"), "???", "an encoded surrogate is invalid");
	CHECK_STR(out_text("\xc0\xaf"), "??", "an overlong encoding is invalid");
	CHECK_STR(out_macro("SH", "NAME"), ".SH NAME\n", "a macro with one word");
	CHECK_STR(out_macro("SS", "user: say \"hi\" -x"), ".SS \"user: say \\(dqhi\\(dq \\-x\"\n",
		  "a macro argument with spaces is quoted, its quotes escaped");
	CHECK_STR(out_macro("PP", NULL), ".PP\n", "a macro without an argument");
	CHECK_STR(out_help("Adds it.\n\n  -u, --user=USER\n  -r\nMore.\n", 1),
		  "Adds it.\n.IP\n.nf\n  \\-u, \\-\\-user=USER\n  \\-r\n.fi\nMore.\n",
		  "help: paragraphs, indented lines kept as they are");
	CHECK_STR(out_help("One\n\nTwo\n  pre", 0), "One\n.PP\nTwo\n.nf\n  pre\n.fi\n",
		  "help: .PP outside an entry, a final preformatted block closed");
	return tap_done();
}
