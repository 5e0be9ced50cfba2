/* Validators for string and list items: numeric addresses, ranges, user entries. */
#include "app/cfg_opt.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/cfg.h"
#include "base/addr.h"
#include "base/iprange.h"
#include "base/log.h"
#include "net/server.h"
#include "cred/redis_conf.h"
#include "stun/msg.h"

#define ITEM_MAX 256

static int why_fail(char *why, size_t len, const char *msg)
{
	snprintf(why, len, "%s", msg);
	return -EINVAL;
}

/* Address family of a numeric IP, or 0. */
static int ip_family(const char *s)
{
	struct addr a;

	if (addr_parse(&a, s, 0) < 0)
		return 0;
	return addr_family(&a);
}

/* Copies s[0..n) into buf (ITEM_MAX bytes); -EINVAL if too long. */
static int copy_part(char *buf, const char *s, size_t n)
{
	if (n >= ITEM_MAX)
		return -EINVAL;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return 0;
}

int cfg_check_ip(const char *value, char *why, size_t len)
{
	if (!ip_family(value))
		return why_fail(why, len, "not a numeric IPv4 or IPv6 address");
	return 0;
}

int cfg_check_ip_pair(const char *value, char *why, size_t len)
{
	const char *slash = strchr(value, '/');
	char pub[ITEM_MAX];
	int fam;

	if (!slash)
		return cfg_check_ip(value, why, len);
	if (copy_part(pub, value, (size_t)(slash - value)) < 0 || !(fam = ip_family(pub)))
		return why_fail(why, len, "public address is not a numeric IP");
	if (ip_family(slash + 1) != fam)
		return why_fail(why, len, "private address is not a numeric IP of the same family");
	return 0;
}

/* The same parser the peer policy uses (base/iprange.h), so a range the configuration
 * accepts is one ternd can apply. */
int cfg_check_ip_range(const char *value, char *why, size_t len)
{
	struct iprange r;
	const char *reason;

	if (iprange_parse_why(value, &r, &reason) < 0)
		return why_fail(why, len, reason);
	return 0;
}

int cfg_check_user(const char *value, char *why, size_t len)
{
	const char *colon = strchr(value, ':');

	if (!colon || colon == value)
		return why_fail(why, len, "not NAME:PASSWORD");
	if (colon[1] == '\0')
		return why_fail(why, len, "empty password");
	return 0;
}

/* REALM and SOFTWARE travel in STUN attributes whose length the RFC bounds: a longer value
 * would make every client's request undecodable. */
int cfg_check_stun_text(const char *value, char *why, size_t len)
{
	if (!stun_text_fits(value, strlen(value)))
		return why_fail(why, len,
				"longer than 127 characters or 763 bytes (RFC 8489 §14.9)");
	return 0;
}

int cfg_check_redis_userdb(const char *value, char *why, size_t len)
{
	struct cred_redis_conf c;

	return cred_redis_conf_parse(value, &c, why, len);
}

int cfg_check_separator(const char *value, char *why, size_t len)
{
	if (strlen(value) != 1 || (value[0] >= '0' && value[0] <= '9'))
		return why_fail(why, len, "not one non-digit character");
	return 0;
}

int cfg_check_log_format(const char *value, char *why, size_t len)
{
	return log_format_parse(value) < 0 ? why_fail(why, len, "not \"text\" or \"json\"") : 0;
}

int cfg_check_syslog_facility(const char *value, char *why, size_t len)
{
	return log_facility_parse(value) < 0
		       ? why_fail(why, len,
				  "not a syslog facility (USER, DAEMON, LOCAL0..LOCAL7...)")
		       : 0;
}

/* A network interface name as the kernel takes it (dev_valid_name): 1..IFNAMSIZ-1 bytes, no
 * '/', ':' or white space, not "." or "..". */
int cfg_check_ifname(const char *value, char *why, size_t len)
{
	size_t n = strlen(value);

	if (n == 0 || n >= NET_IFNAME_MAX || !strcmp(value, ".") || !strcmp(value, ".."))
		return why_fail(why, len, "not an interface name (1 to 15 bytes)");
	for (size_t i = 0; i < n; i++)
		if (value[i] == '/' || value[i] == ':' || isspace((unsigned char)value[i]))
			return why_fail(why, len, "not an interface name ('/', ':' or space)");
	return 0;
}

int cfg_xdp_mode_parse(const char *value)
{
	static const char *const names[] = {[NET_XDP_AUTO] = "auto",
					    [NET_XDP_NATIVE] = "native",
					    [NET_XDP_GENERIC] = "generic"};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(value, names[i]))
			return (int)i;
	return -EINVAL;
}

int cfg_check_xdp_mode(const char *value, char *why, size_t len)
{
	return cfg_xdp_mode_parse(value) < 0
		       ? why_fail(why, len, "not \"auto\", \"native\" or \"generic\"")
		       : 0;
}

/* A host name (RFC 1123 §2.1): labels of letters, digits and '-', at most 253 bytes; the
 * STUN attribute carrying it (ALTERNATE-DOMAIN) holds 255. */
int cfg_check_dns_name(const char *value, char *why, size_t len)
{
	size_t n = strlen(value), label = 0;

	if (n == 0 || n > 253)
		return why_fail(why, len, "not a DNS name (1 to 253 bytes)");
	for (const char *p = value; *p; p++) {
		if (*p == '.') {
			if (label == 0)
				return why_fail(why, len, "not a DNS name (an empty label)");
			label = 0;
		} else if (isalnum((unsigned char)*p) || *p == '-') {
			if (++label > 63)
				return why_fail(why, len, "not a DNS name (a label over 63 bytes)");
		} else {
			return why_fail(why, len, "not a DNS name (letters, digits, '-' and '.')");
		}
	}
	return 0;
}

/* A node name goes into Redis key names (cred/fleet_keys.h): no '/', no spaces. */
int cfg_check_node_name(const char *value, char *why, size_t len)
{
	size_t n = strlen(value);

	if (n == 0 || n > 63)
		return why_fail(why, len, "not a node name (1 to 63 bytes)");
	for (const char *p = value; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '.' && *p != '-' && *p != '_')
			return why_fail(why, len,
					"not a node name (letters, digits, '.', '-', '_')");
	return 0;
}

int cfg_check_fleet_fallback(const char *value, char *why, size_t len)
{
	return strcmp(value, "closed") && strcmp(value, "local")
		       ? why_fail(why, len, "not \"closed\" or \"local\"")
		       : 0;
}

/* One "key=value" word of s at *pos into the part named by key. */
static int tls_cert_word(const char **pos, char *sni, char *cert, char *pkey, const char **why)
{
	const char *w = *pos, *eq, *end;
	char *dst;
	size_t klen, vlen;

	end = w + strcspn(w, " \t");
	eq = memchr(w, '=', (size_t)(end - w));
	*pos = end + strspn(end, " \t");
	if (!eq) {
		*why = "expected sni=NAME cert=PATH pkey=PATH";
		return -EINVAL;
	}
	klen = (size_t)(eq - w);
	vlen = (size_t)(end - eq - 1);
	if (klen == 3 && memcmp(w, "sni", 3) == 0)
		dst = sni;
	else if (klen == 4 && memcmp(w, "cert", 4) == 0)
		dst = cert;
	else if (klen == 4 && memcmp(w, "pkey", 4) == 0)
		dst = pkey;
	else {
		*why = "unknown key (expected sni, cert and pkey)";
		return -EINVAL;
	}
	if (vlen == 0 || vlen >= CFG_TLS_PART_MAX) {
		*why = vlen ? "value too long" : "empty value";
		return -EINVAL;
	}
	memcpy(dst, eq + 1, vlen);
	dst[vlen] = '\0';
	return 0;
}

int cfg_tls_cert_parse(const char *item, char *sni, char *cert, char *pkey, const char **why)
{
	const char *pos = item + strspn(item, " \t");

	sni[0] = cert[0] = pkey[0] = '\0';
	while (*pos)
		if (tls_cert_word(&pos, sni, cert, pkey, why) < 0)
			return -EINVAL;
	if (!sni[0] || !cert[0]) {
		*why = "sni and cert are required";
		return -EINVAL;
	}
	return 0;
}

int cfg_check_tls_cert(const char *value, char *why, size_t len)
{
	char(*parts)[CFG_TLS_PART_MAX] = malloc(3 * CFG_TLS_PART_MAX);
	const char *reason;
	int rc;

	if (!parts)
		return why_fail(why, len, "out of memory");
	rc = cfg_tls_cert_parse(value, parts[0], parts[1], parts[2], &reason);
	free(parts);
	return rc < 0 ? why_fail(why, len, reason) : 0;
}
