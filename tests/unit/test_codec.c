/* base/codec: decimal counts, hex both ways, base64 (RFC 4648 §10 vectors) in both alphabets,
 * decoding refusals, and out untouched when hex is refused. */
#include "base/codec.h"

#include <errno.h>
#include <string.h>

#include "tap.h"

static void test_hex(void)
{
	static const uint8_t in[] = {0x00, 0x01, 0x7f, 0x80, 0xab, 0xff};
	uint8_t back[sizeof(in)], keep[2] = {0x55, 0x55};
	char out[2 * sizeof(in) + 1];

	codec_hex(in, sizeof(in), out);
	CHECK(strcmp(out, "00017f80abff") == 0, "hex lower case: %s", out);
	codec_hex(in, 0, out);
	CHECK(out[0] == '\0', "hex of nothing");
	CHECK_EQ_INT(codec_unhex("00017F80abFF", 12, back, sizeof(back)), 0, "unhex mixed case");
	CHECK_MEM(back, in, sizeof(in), "unhex round trip");
	CHECK_EQ_INT(codec_unhex("abc", 3, keep, 2), -EINVAL, "unhex odd length");
	CHECK_EQ_INT(codec_unhex("abcdef", 6, keep, 2), -EINVAL, "unhex too long");
	CHECK_EQ_INT(codec_unhex("ab", 2, keep, 2), -EINVAL, "unhex too short");
	CHECK_EQ_INT(codec_unhex("abzz", 4, keep, 2), -EINVAL, "unhex non-hex");
	CHECK_EQ_INT(codec_unhex("0x12", 4, keep, 2), -EINVAL, "unhex 0x prefix is not hex");
	CHECK_EQ_INT(codec_unhex("a\0cd", 4, keep, 2), -EINVAL, "unhex embedded NUL");
	CHECK(keep[0] == 0x55 && keep[1] == 0x55, "out untouched on error");
}

static void test_b64(void)
{
	static const char *const in[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
	static const char *const want[] = {"",	       "Zg==",	   "Zm8=",    "Zm9v",
					   "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
	char out[16];

	for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		size_t n = codec_b64(CODEC_B64_STD, (const uint8_t *)in[i], strlen(in[i]), out);

		CHECK(strcmp(out, want[i]) == 0, "base64(\"%s\") = \"%s\"", in[i], out);
		CHECK_EQ_INT(n, CODEC_B64_LEN(strlen(in[i])), "length of base64(\"%s\")", in[i]);
	}
}

static void test_alphabets(void)
{
	static const uint8_t in[] = {0xfb, 0xff, 0xbf, 0xfe, 0xfb, 0xef};
	uint8_t back[6];
	char out[9];

	codec_b64(CODEC_B64_STD, in, sizeof(in), out);
	CHECK(strcmp(out, "+/+//vvv") == 0, "standard alphabet: %s", out);
	codec_b64(CODEC_B64_URL, in, sizeof(in), out);
	CHECK(strcmp(out, "-_-__vvv") == 0, "URL-safe alphabet: %s", out);
	CHECK_EQ_INT(codec_unb64(CODEC_B64_URL, (const uint8_t *)out, 8, back), 0, "unb64 URL");
	CHECK_MEM(back, in, sizeof(in), "unb64 URL round trip");
	CHECK_EQ_INT(codec_unb64(CODEC_B64_STD, (const uint8_t *)"+/+//vvv", 8, back), 0,
		     "unb64 standard");
	CHECK_MEM(back, in, sizeof(in), "unb64 standard round trip");
	CHECK_EQ_INT(codec_unb64(CODEC_B64_STD, (const uint8_t *)out, 8, back), -EINVAL,
		     "URL-safe characters refused by the standard alphabet");
	CHECK_EQ_INT(codec_unb64(CODEC_B64_URL, (const uint8_t *)"+/+//vvv", 8, back), -EINVAL,
		     "standard characters refused by the URL-safe alphabet");
	CHECK_EQ_INT(codec_unb64(CODEC_B64_STD, (const uint8_t *)"Zg==", 4, back), -EINVAL,
		     "padding refused");
	CHECK_EQ_INT(codec_unb64(CODEC_B64_STD, (const uint8_t *)"Zm9", 3, back), -EINVAL,
		     "not a multiple of 4");
	CHECK_EQ_INT(codec_unb64(CODEC_B64_STD, (const uint8_t *)"Zm\0v", 4, back), -EINVAL,
		     "embedded NUL");
}

static void test_dec(void)
{
	static const char *const bad[] = {"", "-1", "+1", " 1", "1 ", "1x", "0x10", "1.5"};
	uint64_t v = 77;

	CHECK_EQ_INT(codec_dec_u64("0", 1, 0, &v), 0, "zero");
	CHECK(v == 0, "zero value");
	CHECK_EQ_INT(codec_dec_u64("65535", 5, 65535, &v), 0, "at max");
	CHECK(v == 65535, "at max value");
	CHECK_EQ_INT(codec_dec_u64("65536", 5, 65535, &v), -EINVAL, "above max");
	CHECK_EQ_INT(codec_dec_u64("5", 1, 4, &v), -EINVAL, "one digit above max");
	CHECK_EQ_INT(codec_dec_u64("1", 1, 0, &v), -EINVAL, "above a zero max");
	CHECK_EQ_INT(codec_dec_u64("18446744073709551615", 20, UINT64_MAX, &v), 0, "UINT64_MAX");
	CHECK(v == UINT64_MAX, "UINT64_MAX value");
	CHECK_EQ_INT(codec_dec_u64("18446744073709551616", 20, UINT64_MAX, &v), -EINVAL,
		     "UINT64_MAX + 1");
	CHECK_EQ_INT(codec_dec_u64("123456", 3, 1000, &v), 0, "only len bytes read");
	CHECK(v == 123, "only len bytes value");
	v = 77;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK_EQ_INT(codec_dec_u64(bad[i], strlen(bad[i]), UINT64_MAX, &v), -EINVAL,
			     "refuses \"%s\"", bad[i]);
	CHECK_EQ_INT(codec_dec_u64("1\0", 2, UINT64_MAX, &v), -EINVAL, "embedded NUL");
	CHECK(v == 77, "out untouched on error");
}

int main(void)
{
	test_dec();
	test_hex();
	test_b64();
	test_alphabets();
	return tap_done();
}
