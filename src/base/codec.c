/* Hex and base64 (base/codec.h). */
#include "base/codec.h"

#include <errno.h>
#include <string.h>

static const char codec_b64_tab[2][65] = {
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/",
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_",
};

int codec_dec_u64(const char *s, size_t len, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (len == 0)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		unsigned d = (unsigned)(s[i] - '0');

		if (d > 9 || d > max || v > (max - d) / 10)
			return -EINVAL;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

void codec_hex(const uint8_t *in, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 0x0F];
	}
	out[2 * n] = '\0';
}

static int codec_nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -EINVAL;
}

int codec_unhex(const char *s, size_t len, uint8_t *out, size_t n)
{
	if (len != 2 * n)
		return -EINVAL;
	for (size_t i = 0; i < len; i++)
		if (codec_nibble(s[i]) < 0)
			return -EINVAL;
	for (size_t i = 0; i < n; i++)
		out[i] = (uint8_t)(codec_nibble(s[2 * i]) << 4 | codec_nibble(s[2 * i + 1]));
	return 0;
}

size_t codec_b64(enum codec_b64_alphabet abc, const uint8_t *in, size_t n, char *out)
{
	const char *tab = codec_b64_tab[abc == CODEC_B64_URL];
	size_t i, o = 0;

	for (i = 0; i + 2 < n; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];

		out[o++] = tab[v >> 18 & 63];
		out[o++] = tab[v >> 12 & 63];
		out[o++] = tab[v >> 6 & 63];
		out[o++] = tab[v & 63];
	}
	if (i < n) {
		uint32_t v = (uint32_t)in[i] << 16 | (i + 1 < n ? (uint32_t)in[i + 1] << 8 : 0);

		out[o++] = tab[v >> 18 & 63];
		out[o++] = tab[v >> 12 & 63];
		out[o++] = i + 1 < n ? tab[v >> 6 & 63] : '=';
		out[o++] = '=';
	}
	out[o] = '\0';
	return o;
}

static int codec_b64_value(const char *tab, uint8_t c)
{
	const char *p;

	if (c == '\0')
		return -EINVAL;
	p = strchr(tab, c);
	return p ? (int)(p - tab) : -EINVAL;
}

int codec_unb64(enum codec_b64_alphabet abc, const uint8_t *in, size_t nchars, uint8_t *out)
{
	const char *tab = codec_b64_tab[abc == CODEC_B64_URL];

	if (nchars % 4)
		return -EINVAL;
	for (size_t i = 0; i < nchars; i += 4, out += 3) {
		uint32_t v = 0;

		for (size_t j = 0; j < 4; j++) {
			int d = codec_b64_value(tab, in[i + j]);

			if (d < 0)
				return -EINVAL;
			v = v << 6 | (uint32_t)d;
		}
		out[0] = (uint8_t)(v >> 16);
		out[1] = (uint8_t)(v >> 8);
		out[2] = (uint8_t)v;
	}
	return 0;
}
