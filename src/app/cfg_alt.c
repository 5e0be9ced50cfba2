/* alternate-server and tls-alternate-server values (coturn's options): "IP", "IP:PORT",
 * "[IPv6]:PORT" or a bare IPv6 address; the port defaults to 3478, 5349 for TLS (RFC 8489
 * §18.6). */
#include "app/cfg.h"
#include "app/cfg_opt.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/addr.h"

#define CFG_ALT_PORT	 3478
#define CFG_ALT_TLS_PORT 5349
#define CFG_ALT_MAX	 64

/* The port after ':' in p: 1..65535, digits only. 0 or -EINVAL. */
static int cfg_alt_port(const char *p, uint16_t *port)
{
	char *end;
	long v;

	if (*p < '0' || *p > '9')
		return -EINVAL;
	v = strtol(p, &end, 10);
	if (*end || v < 1 || v > 65535)
		return -EINVAL;
	*port = (uint16_t)v;
	return 0;
}

/* value into *out, port when it names none. 0 or -EINVAL. */
static int cfg_alt_parse(const char *value, uint16_t port, struct addr *out)
{
	char ip[CFG_ALT_MAX];
	const char *colon = strrchr(value, ':');
	size_t n;

	if (value[0] == '[') { /* [IPv6] or [IPv6]:PORT */
		const char *close = strchr(value, ']');

		if (!close || (close[1] && (close[1] != ':' || cfg_alt_port(close + 2, &port) < 0)))
			return -EINVAL;
		n = (size_t)(close - value - 1);
		if (n >= sizeof(ip))
			return -EINVAL;
		memcpy(ip, value + 1, n);
		ip[n] = '\0';
		return addr_parse(out, ip, port);
	}
	if (addr_parse(out, value, port) == 0) /* IPv4 or a bare IPv6 address */
		return 0;
	if (!colon || strchr(value, ':') != colon || cfg_alt_port(colon + 1, &port) < 0)
		return -EINVAL;
	n = (size_t)(colon - value);
	if (n >= sizeof(ip))
		return -EINVAL;
	memcpy(ip, value, n);
	ip[n] = '\0';
	return addr_parse(out, ip, port);
}

int cfg_alt_server_parse(const char *value, struct addr *out)
{
	return cfg_alt_parse(value, CFG_ALT_PORT, out);
}

int cfg_tls_alt_server_parse(const char *value, struct addr *out)
{
	return cfg_alt_parse(value, CFG_ALT_TLS_PORT, out);
}

int cfg_check_alt_server(const char *value, char *why, size_t len)
{
	struct addr a;

	if (cfg_alt_server_parse(value, &a) < 0) {
		snprintf(why, len, "not IP, IP:PORT, [IPv6]:PORT or a numeric IPv6 address");
		return -EINVAL;
	}
	return 0;
}
