/* PROXY protocol header parser (haproxy doc/proxy-protocol.txt §2.1, §2.2); see
 * proxy_hdr.h for what is accepted and refused. */
#include "net/proxy_hdr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

/* §2.1: "PROXY" and exactly one space. */
static const uint8_t v1_sig[6] = {'P', 'R', 'O', 'X', 'Y', ' '};
/* §2.2: the 12-byte signature, "\r\n\r\n\0\r\nQUIT\n". */
static const uint8_t v2_sig[12] = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D,
				   0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};

enum {
	V2_CMD_LOCAL = 0x0,
	V2_CMD_PROXY = 0x1,
	V2_FAM_UNSPEC = 0x0,
	V2_FAM_INET = 0x1,
	V2_FAM_INET6 = 0x2,
	V2_FAM_UNIX = 0x3,
	V2_TLV_AUTHORITY = 0x02,
	V2_TLV_SSL = 0x20,
};

/* v1's protocol tokens, each with the byte after it (§2.1: "UNKNOWN" may end the line). */
static const struct v1_token {
	const char *text;
	size_t len;
	int family;
} v1_tokens[] = {
	{"TCP4 ", 5, AF_INET},
	{"TCP6 ", 5, AF_INET6},
	{"UNKNOWN ", 8, AF_UNSPEC},
	{"UNKNOWN\r", 8, AF_UNSPEC},
};
#define V1_NTOKENS    (sizeof(v1_tokens) / sizeof(v1_tokens[0]))
#define V1_TOKEN_MORE (-1)

static size_t min_size(size_t a, size_t b)
{
	return a < b ? a : b;
}

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* ---- version 1 (§2.1) ---- */

/* Index into v1_tokens of the token p[0..n) starts with, V1_TOKEN_MORE when p is a proper
 * prefix of one, or -EBADMSG. */
static int v1_token(const uint8_t *p, size_t n)
{
	int more = 0;
	size_t i;

	for (i = 0; i < V1_NTOKENS; i++) {
		if (memcmp(p, v1_tokens[i].text, min_size(n, v1_tokens[i].len)) != 0)
			continue;
		if (n >= v1_tokens[i].len)
			return (int)i;
		more = 1;
	}
	return more ? V1_TOKEN_MORE : -EBADMSG;
}

/* A byte that may follow "TCP4 "/"TCP6 ": digits, hex letters, '.', ':' and spaces. */
static bool v1_is_addr_char(uint8_t c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') ||
	       c == '.' || c == ':' || c == ' ';
}

/* Finds the CRLF of the v1 line buf[0..len) whose token is tok (or V1_TOKEN_MORE), checking
 * each byte on the way. Returns the CR's index (> 0), 0 when more bytes are needed, or
 * -EBADMSG (a lone CR or LF, a byte an address cannot hold, two spaces in a row, no CRLF
 * within the limit). */
static int v1_line_end(const uint8_t *buf, size_t len, int tok)
{
	size_t lim = min_size(len, PROXY_HDR_V1_MAX), i;
	size_t addr_from = sizeof(v1_sig) + (tok >= 0 ? v1_tokens[tok].len : 0);
	bool tcp = tok >= 0 && v1_tokens[tok].family != AF_UNSPEC;

	for (i = sizeof(v1_sig); i < lim; i++) {
		if (buf[i] == '\r') {
			if (i + 1 >= PROXY_HDR_V1_MAX)
				return -EBADMSG;
			if (i + 1 >= len)
				return 0;
			return buf[i + 1] == '\n' ? (int)i : -EBADMSG;
		}
		if (buf[i] == '\n')
			return -EBADMSG;
		if (tcp && i >= addr_from &&
		    (!v1_is_addr_char(buf[i]) || (buf[i] == ' ' && buf[i - 1] == ' ')))
			return -EBADMSG;
	}
	return len >= PROXY_HDR_V1_MAX ? -EBADMSG : 0;
}

/* Splits p[0..n) at each sep into exactly nf non-empty fields. Returns 0 or -EBADMSG. */
static int v1_split(const uint8_t *p, size_t n, uint8_t sep, const uint8_t **f, size_t *fl,
		    size_t nf)
{
	size_t i, k = 0, start = 0;

	for (i = 0; i <= n; i++) {
		if (i < n && p[i] != sep)
			continue;
		if (k == nf || i == start)
			return -EBADMSG;
		f[k] = p + start;
		fl[k++] = i - start;
		start = i + 1;
	}
	return k == nf ? 0 : -EBADMSG;
}

/* A decimal number 0..max with no leading zero (§2.1: "Heading zeroes are not
 * permitted"). Returns 0 or -EBADMSG. */
static int v1_dec(const uint8_t *p, size_t n, uint32_t max, uint32_t *val)
{
	uint32_t v = 0;
	size_t i;

	if (n == 0 || n > 5 || (n > 1 && p[0] == '0'))
		return -EBADMSG;
	for (i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -EBADMSG;
		v = v * 10 + (uint32_t)(p[i] - '0');
	}
	if (v > max)
		return -EBADMSG;
	*val = v;
	return 0;
}

/* An address of the given family into raw[]: IPv4 as exactly four decimal octets, IPv6 as
 * inet_pton reads it. Returns 0 or -EBADMSG. */
static int v1_ip(const uint8_t *p, size_t n, int family, uint8_t raw[16])
{
	const uint8_t *f[4];
	size_t fl[4], i;
	uint32_t v;
	char text[INET6_ADDRSTRLEN];

	if (family == AF_INET) {
		if (v1_split(p, n, '.', f, fl, 4) != 0)
			return -EBADMSG;
		for (i = 0; i < 4; i++) {
			if (v1_dec(f[i], fl[i], 255, &v) != 0)
				return -EBADMSG;
			raw[i] = (uint8_t)v;
		}
		return 0;
	}
	if (n >= sizeof(text) || memchr(p, '\0', n) != NULL)
		return -EBADMSG;
	memcpy(text, p, n);
	text[n] = '\0';
	return inet_pton(AF_INET6, text, raw) == 1 ? 0 : -EBADMSG;
}

/* "<src> <dst> <sport> <dport>" of a TCP4/TCP6 line into h. Returns 0 or -EBADMSG. */
static int v1_addrs(const uint8_t *p, size_t n, int family, struct proxy_hdr *h)
{
	const uint8_t *f[4];
	size_t fl[4];
	uint8_t src[16], dst[16];
	uint32_t sport, dport;

	if (v1_split(p, n, ' ', f, fl, 4) != 0 || v1_ip(f[0], fl[0], family, src) != 0 ||
	    v1_ip(f[1], fl[1], family, dst) != 0 || v1_dec(f[2], fl[2], 65535, &sport) != 0 ||
	    v1_dec(f[3], fl[3], 65535, &dport) != 0)
		return -EBADMSG;
	addr_from_raw(&h->src, family, src, (uint16_t)sport);
	addr_from_raw(&h->dst, family, dst, (uint16_t)dport);
	h->transport = PROXY_HDR_STREAM;
	return 0;
}

static int v1_parse(const uint8_t *buf, size_t len, struct proxy_hdr *out)
{
	struct proxy_hdr h;
	size_t from;
	int tok, end;

	if (memcmp(buf, v1_sig, min_size(len, sizeof(v1_sig))) != 0)
		return -EBADMSG;
	if (len <= sizeof(v1_sig))
		return 0;
	tok = v1_token(buf + sizeof(v1_sig), len - sizeof(v1_sig));
	if (tok < 0 && tok != V1_TOKEN_MORE)
		return tok;
	end = v1_line_end(buf, len, tok);
	if (end <= 0)
		return end;
	/* A CRLF was found, so the token was complete (UNKNOWN's own CR included). */
	memset(&h, 0, sizeof(h));
	h.version = 1;
	if (v1_tokens[tok].family == AF_UNSPEC) {
		h.local = true; /* §2.1: the rest of an UNKNOWN line is ignored */
	} else {
		from = sizeof(v1_sig) + v1_tokens[tok].len;
		if (v1_addrs(buf + from, (size_t)end - from, v1_tokens[tok].family, &h) != 0)
			return -EBADMSG;
	}
	*out = h;
	return end + 2;
}

/* ---- version 2 (§2.2) ---- */

/* Takes one TLV off p[0..*n). Returns 0 or -EBADMSG (truncated). */
static int v2_tlv_take(const uint8_t **p, size_t *n, uint8_t *type, const uint8_t **val,
		       size_t *vlen)
{
	size_t l;

	if (*n < 3)
		return -EBADMSG;
	l = be16(*p + 1);
	if (l > *n - 3)
		return -EBADMSG;
	*type = (*p)[0];
	*val = *p + 3;
	*vlen = l;
	*p += 3 + l;
	*n -= 3 + l;
	return 0;
}

/* PP2_TYPE_SSL (§2.2.6): client, verify, then sub-TLVs, which must be well framed. */
static int v2_tlv_ssl(const uint8_t *v, size_t n, struct proxy_hdr *h)
{
	const uint8_t *sv;
	size_t sn;
	uint8_t st;

	if (h->has_ssl || n < 5)
		return -EBADMSG;
	h->has_ssl = true;
	h->ssl_client = v[0];
	h->ssl_verify = be32(v + 1);
	v += 5;
	n -= 5;
	while (n > 0) {
		if (v2_tlv_take(&v, &n, &st, &sv, &sn) != 0)
			return -EBADMSG;
	}
	return 0;
}

/* The TLVs after the addresses (§2.2): all well framed; AUTHORITY and SSL at most once. */
static int v2_tlvs(const uint8_t *p, size_t n, struct proxy_hdr *h)
{
	const uint8_t *v;
	size_t vn;
	uint8_t t;

	while (n > 0) {
		if (v2_tlv_take(&p, &n, &t, &v, &vn) != 0)
			return -EBADMSG;
		if (t == V2_TLV_AUTHORITY) {
			if (h->authority != NULL)
				return -EBADMSG;
			h->authority = v;
			h->authority_len = vn;
		} else if (t == V2_TLV_SSL && v2_tlv_ssl(v, vn, h) != 0) {
			return -EBADMSG;
		}
	}
	return 0;
}

/* Checks the 13th and 14th bytes (those of buf[0..len) at hand). For PROXY, sets *need to
 * the address block's size for the family. Returns 0 or -EBADMSG / -EAFNOSUPPORT. */
static int v2_check_head(const uint8_t *buf, size_t len, size_t *need)
{
	uint8_t cmd = buf[12] & 0x0F, fam, proto;

	if (buf[12] >> 4 != 2 || cmd > V2_CMD_PROXY)
		return -EBADMSG;
	*need = 0;
	if (len < 14)
		return 0;
	fam = buf[13] >> 4;
	proto = buf[13] & 0x0F;
	if (fam > V2_FAM_UNIX || proto > PROXY_HDR_DGRAM)
		return -EBADMSG;
	if (cmd == V2_CMD_LOCAL)
		return 0; /* §2.2: LOCAL ignores the family */
	if ((fam == V2_FAM_UNSPEC) != (proto == PROXY_HDR_UNSPEC))
		return -EBADMSG; /* not one of the combinations §2.2 lists */
	if (fam == V2_FAM_UNIX)
		return -EAFNOSUPPORT;
	*need = fam == V2_FAM_INET ? 12 : fam == V2_FAM_INET6 ? 36 : 0;
	return 0;
}

/* The PROXY command's addresses and TLVs, buf holding the whole header. */
static int v2_addrs(const uint8_t *buf, size_t blen, struct proxy_hdr *h)
{
	const uint8_t *a = buf + PROXY_HDR_V2_FIXED;
	int family = buf[13] >> 4 == V2_FAM_INET ? AF_INET : AF_INET6;
	size_t alen = family == AF_INET ? 4 : 16;

	addr_from_raw(&h->src, family, a, be16(a + 2 * alen));
	addr_from_raw(&h->dst, family, a + alen, be16(a + 2 * alen + 2));
	h->transport = (enum proxy_hdr_transport)(buf[13] & 0x0F);
	return v2_tlvs(a + 2 * alen + 4, blen - (2 * alen + 4), h);
}

static int v2_parse(const uint8_t *buf, size_t len, struct proxy_hdr *out)
{
	struct proxy_hdr h;
	size_t need, blen;
	int rc;

	if (memcmp(buf, v2_sig, min_size(len, sizeof(v2_sig))) != 0)
		return -EBADMSG;
	if (len <= sizeof(v2_sig))
		return 0;
	rc = v2_check_head(buf, len, &need);
	if (rc != 0 || len < PROXY_HDR_V2_FIXED)
		return rc;
	blen = be16(buf + 14);
	if (PROXY_HDR_V2_FIXED + blen > PROXY_HDR_MAX)
		return -EMSGSIZE;
	if (blen < need)
		return -EBADMSG;
	if (len < PROXY_HDR_V2_FIXED + blen)
		return 0;
	memset(&h, 0, sizeof(h));
	h.version = 2;
	if (need == 0)
		h.local = true; /* LOCAL, or PROXY UNSPEC: the rest is skipped */
	else if (v2_addrs(buf, blen, &h) != 0)
		return -EBADMSG;
	*out = h;
	return (int)(PROXY_HDR_V2_FIXED + blen);
}

int proxy_hdr_parse(const uint8_t *buf, size_t len, struct proxy_hdr *out)
{
	if (len == 0)
		return 0;
	if (buf[0] == v1_sig[0])
		return v1_parse(buf, len, out);
	if (buf[0] == v2_sig[0])
		return v2_parse(buf, len, out);
	return -EBADMSG;
}
