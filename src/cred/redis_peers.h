/* A worker's copies of realms' peer lists from Redis (DESIGN.md §4, §5): the SETs
 *   turn/realm/<realm>/allowed-peer-ip   ranges the realm opens (win over denied)
 *   turn/realm/<realm>/denied-peer-ip    ranges the realm closes
 * each member an address, a CIDR prefix or coturn's "first-last" (base/iprange.h; others
 * are ignored). Verdicts are answered at once from the copy held; copies are refreshed in
 * the background (SMEMBERS of both sets on the worker's command connection) when older
 * than the TTL, and dropped by an invalidation, which fetches again right away. While a
 * realm has no copy (the first use, or just after an invalidation, or Redis unreachable
 * since) its verdict is 0: only the server's policy applies until the fetch lands.
 * A stale copy keeps answering while its refresh is in flight or Redis is unreachable.
 * Bounded: at most CRED_REDIS_PEERS_REALMS realms per worker. One per worker, used only on
 * that worker's thread. */
#ifndef TERN_CRED_REDIS_PEERS_H
#define TERN_CRED_REDIS_PEERS_H

#include <stddef.h>
#include <stdint.h>

#include "base/addr.h"

struct cred_redis_conn;
struct cred_redis_peers;

#define CRED_REDIS_PEERS_REALMS 16

/* cmd: the worker's command connection (borrowed; close it before freeing p, so that the
 * fetches in flight end). ttl_ms 0 = 5000. 0 or -ENOMEM. */
int cred_redis_peers_new(struct cred_redis_conn *cmd, uint64_t ttl_ms,
			 struct cred_redis_peers **out);
void cred_redis_peers_free(struct cred_redis_peers *p);
/* The realm's verdict on peer's address: +1 allowed, -1 denied, 0 no opinion (see above).
 * Starts a fetch when the realm has no fresh copy. */
int cred_redis_peers_verdict(struct cred_redis_peers *p, const char *realm, size_t rlen,
			     const struct addr *peer, uint64_t now_ms);
/* Starts fetching realm's lists now (a worker's own realm, at start), so that they are
 * ready for its first request. 0, or -ENOSPC (too many realms), -ENOMEM. */
int cred_redis_peers_watch(struct cred_redis_peers *p, const char *realm, size_t rlen,
			   uint64_t now_ms);
/* Drops realm's copy (realm NULL: every realm's) and fetches it again at once. */
void cred_redis_peers_drop(struct cred_redis_peers *p, const char *realm, size_t rlen,
			   uint64_t now_ms);
/* The connection is (back) up: fetches every realm that has no copy or a stale one. */
void cred_redis_peers_refresh(struct cred_redis_peers *p, uint64_t now_ms);

#endif
