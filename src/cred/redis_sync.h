/* A blocking Redis connection for what may wait (ternctl; ternd's clean stop, never a
 * worker): straight to the configured server, or through the sentinels to the first
 * master they name that says ROLE master; then AUTH and SELECT. */
#ifndef TERN_CRED_REDIS_SYNC_H
#define TERN_CRED_REDIS_SYNC_H

#include <stddef.h>

#include "cred/redis_conf.h"

struct redisContext;

/* Connects with timeout_s for the connect and every command (0: the configuration's
 * connect timeout, else 5 s). 0 and *out, or -1 with the reason in err (len bytes). */
int cred_redis_sync_connect(const struct cred_redis_conf *conf, unsigned timeout_s,
			    struct redisContext **out, char *err, size_t len);

#endif
