/* The fleet's nonce secret (cred/fleet.h): one random secret in Redis, made by the first
 * node that asks (SET NX) and read by every node at start, so a nonce one node makes
 * verifies on another and a client sent there with 300 keeps it. */
#include "cred/fleet.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "base/codec.h"
#include "base/crypto.h"
#include "cred/redis_conf.h"
#include "cred/redis_sync.h"

/* How long start-up waits for Redis, seconds. */
#define FLEET_SECRET_TIMEOUT_S 2
#define FLEET_SECRET_MAX       64

/* SET NX our candidate, then GET what the fleet holds (ours or an earlier node's). */
static int fleet_secret_get(redisContext *c, uint8_t *out, size_t len, char *why, size_t wlen)
{
	uint8_t mine[FLEET_SECRET_MAX];
	char hex[2 * FLEET_SECRET_MAX + 1];
	redisReply *r;
	int err = -EIO;

	if (crypto_random(mine, len) < 0)
		return -EIO;
	codec_hex(mine, len, hex);
	explicit_bzero(mine, sizeof(mine));
	r = redisCommand(c, "SET %s %s NX", FLEET_KEY_NONCE_SECRET, hex);
	explicit_bzero(hex, sizeof(hex));
	if (r)
		freeReplyObject(r);
	r = redisCommand(c, "GET %s", FLEET_KEY_NONCE_SECRET);
	if (r && r->type == REDIS_REPLY_STRING && codec_unhex(r->str, r->len, out, len) == 0)
		err = 0;
	else
		snprintf(why, wlen, "%s",
			 r && r->type == REDIS_REPLY_ERROR ? r->str : "no usable secret stored");
	if (r) {
		if (r->str)
			explicit_bzero(r->str, r->len);
		freeReplyObject(r);
	}
	return err;
}

int fleet_nonce_secret(const char *conninfo, uint8_t *out, size_t len, char *why, size_t wlen)
{
	struct cred_redis_conf conf;
	redisContext *c = NULL;
	int err;

	if (len == 0 || len > FLEET_SECRET_MAX)
		return -EINVAL;
	if (cred_redis_conf_parse(conninfo, &conf, why, wlen) < 0)
		return -EINVAL;
	err = cred_redis_sync_connect(&conf, FLEET_SECRET_TIMEOUT_S, &c, why, wlen) < 0 ? -EIO : 0;
	if (!err)
		err = fleet_secret_get(c, out, len, why, wlen);
	if (c)
		redisFree(c);
	explicit_bzero(&conf, sizeof(conf));
	return err;
}
