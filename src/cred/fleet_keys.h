/* The fleet's keys in Redis (README "## Fleet"). Everything lives under tern/fleet/,
 * outside the prefixes credential caching tracks (cred/redis_inval.h), so fleet writes
 * never invalidate a cached user. <id> is a node instance: "<node-name>~<8 hex>", new at
 * every start, so counts and sessions left by a node that died are never mistaken for
 * those of the node that replaced it.
 *   tern/fleet/nodes                 ZSET id -> lease end (ms, Redis's clock, TIME)
 *   tern/fleet/node/<id>             HASH the node's card (FLEET_F_* fields below), expires
 *                                    with the lease
 *   tern/fleet/node/<id>/sessions    HASH session id (16 hex) -> a session line
 *                                    (cred/fleet_fmt.h)
 *   tern/fleet/node/<id>/keys        SET the quota hashes this node counts in
 *   tern/fleet/quota/<realm>/user/<32 hex>  HASH "<id>/<worker>" -> allocations that
 *                                    worker holds for one user quota (the hex is the first
 *                                    16 bytes of SHA-256(quota user ":" realm));
 *                                    cred/fleet_quota.h
 *   tern/fleet/quota/<realm>/total   HASH "<id>/<worker>" -> allocations of the realm
 *   tern/fleet/control               channel: commands to every node (ternctl --fleet)
 *   tern/fleet/nonce-secret          STRING the nonce secret every node uses (hex), made by
 *                                    the first node that starts (SET NX) */
#ifndef TERN_CRED_FLEET_KEYS_H
#define TERN_CRED_FLEET_KEYS_H

#define FLEET_KEY_PREFIX       "tern/fleet/"
#define FLEET_KEY_NODES	       "tern/fleet/nodes"
#define FLEET_KEY_NODE	       "tern/fleet/node/"  /* + id */
#define FLEET_KEY_SESSIONS     "/sessions"	   /* after FLEET_KEY_NODE id */
#define FLEET_KEY_NODE_KEYS    "/keys"		   /* after FLEET_KEY_NODE id */
#define FLEET_KEY_QUOTA	       "tern/fleet/quota/" /* + realm + "/user/" hex or "/total" */
#define FLEET_CHANNEL_CONTROL  "tern/fleet/control"
#define FLEET_KEY_NONCE_SECRET "tern/fleet/nonce-secret"

/* The node card's fields. */
#define FLEET_F_NAME	 "name"		   /* node-name */
#define FLEET_F_ADDR4	 "addr4"	   /* "IP:PORT" clients reach over UDP/TCP, or absent */
#define FLEET_F_ADDR6	 "addr6"	   /* "[IP]:PORT" */
#define FLEET_F_TLS4	 "tls4"		   /* "IP:PORT" for TLS/DTLS, or absent */
#define FLEET_F_TLS6	 "tls6"		   /* "[IP]:PORT" */
#define FLEET_F_DOMAIN	 "domain"	   /* node-domain, or absent */
#define FLEET_F_ALLOCS	 "allocations"	   /* allocations held now */
#define FLEET_F_MAX	 "max-allocations" /* 0 = no limit */
#define FLEET_F_DRAINING "draining"	   /* "1" or "0" */
#define FLEET_F_STARTED	 "started"	   /* unix seconds */

/* "<name>~<8 hex>" and the NUL. */
#define FLEET_ID_MAX 80

#endif
