/* The XDP fast path in a build without it (configure without --enable-xdp): user space only. */
#include "net/fastpath.h"

#include <errno.h>
#include <string.h>

#include "base/log.h"

int net_fastpath_new(const struct net_opts *o, struct net_fastpath **out)
{
	*out = NULL;
	if (o->nxdp_if)
		log_warn("net", "xdp-interfaces ignored: built without the XDP fast path "
				"(configure --enable-xdp): user space only");
	return 0;
}

void net_fastpath_free(struct net_fastpath *f)
{
	(void)f;
}

uint32_t net_fastpath_port_use(struct net_fastpath *f, uint16_t port)
{
	(void)f;
	(void)port;
	return 0;
}

int net_fastpath_perm(struct net_fastpath *f, const struct net_fastpath_alloc *a,
		      const struct addr *peer, bool on)
{
	(void)f, (void)a, (void)peer, (void)on;
	return -EOPNOTSUPP;
}

int net_fastpath_chan(struct net_fastpath *f, const struct net_fastpath_alloc *a, uint16_t number,
		      const struct addr *peer, bool on)
{
	(void)f, (void)a, (void)number, (void)peer, (void)on;
	return -EOPNOTSUPP;
}

int net_fastpath_acct(struct net_fastpath *f, const struct addr *relay, struct turn_fast_count *out)
{
	(void)f, (void)relay, (void)out;
	return -EOPNOTSUPP;
}

uint32_t net_fastpath_relay_start(struct net_fastpath *f, const struct addr *relay,
				  struct turn_fast_count *seen)
{
	(void)f, (void)relay;
	memset(seen, 0, sizeof(*seen));
	return 0;
}

void net_fastpath_relay_end(struct net_fastpath *f, const struct addr *relay)
{
	(void)f, (void)relay;
}

void net_fastpath_take(struct net_fastpath *f, const struct addr *relay,
		       struct turn_fast_count *seen, struct turn_fast_count *d)
{
	(void)f, (void)relay, (void)seen;
	memset(d, 0, sizeof(*d));
}

int net_fastpath_throttle(struct net_fastpath *f, const struct addr *relay, bool on)
{
	(void)f, (void)relay, (void)on;
	return -EOPNOTSUPP;
}

int net_fastpath_stats(struct net_fastpath *f, struct net_xdp_stats *out)
{
	(void)f, (void)out;
	return -EOPNOTSUPP;
}
