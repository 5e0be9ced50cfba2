/* The XDP fast path as net/ sees it (DESIGN.md §2: xdp/ is called only from here). One per
 * process, made and freed by the server on the main thread: the program is loaded for the
 * relay port range and attached to the configured interfaces; its maps are shared by every
 * worker. Two implementations chosen by the build: fastpath.c (configure --enable-xdp) and
 * fastpath_none.c (without it: xdp-interfaces gets a warning, user space only). */
#ifndef TERN_NET_FASTPATH_H
#define TERN_NET_FASTPATH_H

#include "net/server.h"

struct net_fastpath;

/* Loads the program for o's relay ports (o->min_port..o->max_port, already defaulted) and
 * attaches it to o->xdp_if in o->xdp_mode. Never fails a start: when no interface is named
 * *out is NULL; when loading or an attach fails, it says so in one warning, detaches what it
 * attached, frees the maps and sets *out to NULL (user space only). Returns 0. */
int net_fastpath_new(const struct net_opts *o, struct net_fastpath **out);
/* Detaches the program from every interface and frees the maps; f may be NULL. */
void net_fastpath_free(struct net_fastpath *f);

#endif
