/* Handshake-failure lines and their per-worker limiter. */
#include "net/tls_hsfail.h"

#include <stdio.h>

#include "base/log.h"

void tls_hsfail_limit_init(struct tls_hsfail_limit *l, uint32_t max_per_s)
{
	*l = (struct tls_hsfail_limit){.max_per_s = max_per_s};
}

bool tls_hsfail_limit_take(struct tls_hsfail_limit *l, uint64_t now_ms, uint64_t *suppressed)
{
	if (now_ms >= l->window_ms + 1000 || now_ms < l->window_ms) {
		l->window_ms = now_ms;
		l->used = 0;
	}
	if (l->used >= l->max_per_s) {
		l->suppressed++;
		return false;
	}
	l->used++;
	*suppressed = l->suppressed;
	l->suppressed = 0;
	return true;
}

static const char *tls_hsfail_version(int v)
{
	switch (v) {
	case 0x0300:
		return "SSLv3";
	case 0x0301:
		return "TLSv1";
	case 0x0302:
		return "TLSv1.1";
	case 0x0303:
		return "TLSv1.2";
	case 0x0304:
		return "TLSv1.3";
	case 0xfeff:
		return "DTLSv1";
	case 0xfefd:
		return "DTLSv1.2";
	default:
		return NULL;
	}
}

const char *tls_hsfail_format(const struct tls_hsfail *f, uint64_t suppressed, char *buf,
			      size_t len)
{
	char cli[ADDR_STR_MAX] = "-", ver[16] = "-";
	const char *name = tls_hsfail_version(f->version);
	int n;

	if (f->client)
		addr_to_str(f->client, cli, sizeof(cli));
	if (name)
		snprintf(ver, sizeof(ver), "%s", name);
	else if (f->version)
		snprintf(ver, sizeof(ver), "0x%04x", (unsigned)f->version & 0xffff);
	n = snprintf(buf, len, "handshake failed reason=\"%s\" client=%s sni=%s version=%s",
		     f->reason ? f->reason : "unknown", cli, f->sni ? f->sni : "-", ver);
	if (suppressed && n > 0 && (size_t)n < len)
		snprintf(buf + n, len - (size_t)n, " suppressed=%llu",
			 (unsigned long long)suppressed);
	return buf;
}

bool tls_hsfail_log(struct tls_hsfail_limit *l, const struct tls_hsfail *f, uint64_t now_ms)
{
	uint64_t suppressed;
	char line[512];

	if (!tls_hsfail_limit_take(l, now_ms, &suppressed))
		return false;
	log_info("tls", "%s", tls_hsfail_format(f, suppressed, line, sizeof(line)));
	return true;
}
