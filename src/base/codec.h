/* Text encodings: decimal counts, lower-case hex (keys as coturn stores them) and base64 (RFC 4648
 * §4 standard alphabet, §5 URL-safe alphabet). Pure: no allocation, no logging. */
#ifndef TERN_BASE_CODEC_H
#define TERN_BASE_CODEC_H

#include <stddef.h>
#include <stdint.h>

/* A decimal count: s[0..len) all digits (no sign, no space, at least one), its value at
 * most max. Sets *out and returns 0, or -EINVAL. The one parser of counts that arrive as
 * text: Redis values, connection strings, ternctl's options. */
int codec_dec_u64(const char *s, size_t len, uint64_t max, uint64_t *out);

/* base64 alphabets (RFC 4648 §4 and §5). */
enum codec_b64_alphabet {
	CODEC_B64_STD, /* A-Z a-z 0-9 + / */
	CODEC_B64_URL, /* A-Z a-z 0-9 - _ */
};

/* Characters of the padded base64 of n bytes (without the NUL). */
#define CODEC_B64_LEN(n) (4 * (((n) + 2) / 3))

/* Lower-case hex of in[0..n) into out (2n+1 bytes, NUL-terminated). */
void codec_hex(const uint8_t *in, size_t n, char *out);
/* Exactly 2n hex digits (either case) of s[0..len) into out[0..n). 0, or -EINVAL (wrong
 * length, a non-hex character); out is written only on success. */
int codec_unhex(const char *s, size_t len, uint8_t *out, size_t n);

/* base64 of in[0..n) in alphabet abc into out (CODEC_B64_LEN(n) + 1 bytes,
 * NUL-terminated), padded with '=' when n is not a multiple of 3. Returns the length. */
size_t codec_b64(enum codec_b64_alphabet abc, const uint8_t *in, size_t n, char *out);
/* Decodes nchars (a multiple of 4, no padding) characters of alphabet abc into
 * 3 * nchars / 4 bytes of out. 0, or -EINVAL (a character outside the alphabet, nchars
 * not a multiple of 4); out may be partly written on error. */
int codec_unb64(enum codec_b64_alphabet abc, const uint8_t *in, size_t nchars, uint8_t *out);

#endif
