/* The XDP fast path in a build without it (configure without --enable-xdp): user space only. */
#include "net/fastpath.h"

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
