/* The Redis connection string of --redis-userdb, in coturn's format: blank-separated
 * key=value pairs. Keys (coturn's synonyms in parentheses):
 *   ip (host, addr, ipaddr, hostaddr)   server address, default 127.0.0.1
 *   port (p)                            default 6379
 *   dbname (db, database)               database number, default 0
 *   password (pwd, passwd, secret)      AUTH password, default none
 *   user (uname, name, username)        ACL user for AUTH (Redis 6+), default none
 *   connect_timeout (timeout)           seconds, default 5
 *   sentinel (sentinels)                Redis Sentinel addresses, host[:port] separated by
 *                                       commas (port 26379 by default; [v6]:port); then
 *                                       ip/port are ignored: the master is asked of them
 *   master (master_name)                the master's name at the sentinels (needed with
 *                                       sentinel=)
 *   sentinel_password                   AUTH password for the sentinels, default none
 * A host name is resolved at each (re)connect, blocking the worker briefly: prefer a
 * numeric address. */
#ifndef TERN_CRED_REDIS_CONF_H
#define TERN_CRED_REDIS_CONF_H

#include <stddef.h>
#include <stdint.h>

#define CRED_REDIS_CONF_STR_MAX	 256
#define CRED_REDIS_SENTINELS_MAX 8
#define CRED_REDIS_HOST_MAX	 256

struct cred_redis_addr {
	char host[CRED_REDIS_HOST_MAX];
	uint16_t port;
};

struct cred_redis_conf {
	char host[CRED_REDIS_CONF_STR_MAX];
	uint16_t port;
	unsigned dbname;
	char password[CRED_REDIS_CONF_STR_MAX]; /* "" = no AUTH */
	char user[CRED_REDIS_CONF_STR_MAX];	/* "" = AUTH with the password only */
	unsigned connect_timeout_s;
	struct cred_redis_addr sentinel[CRED_REDIS_SENTINELS_MAX];
	unsigned nsentinels; /* 0: connect to host:port directly */
	char master[CRED_REDIS_CONF_STR_MAX];
	char sentinel_password[CRED_REDIS_CONF_STR_MAX];
};

/* Parses s (borrowed) into *out. 0, or -EINVAL with the reason in why (naming every
 * unknown key, never the password). */
int cred_redis_conf_parse(const char *s, struct cred_redis_conf *out, char *why, size_t len);
/* Parses one address "host", "host:port" or "[v6]:port" of n bytes (port defport when
 * absent). 0 or -EINVAL. */
int cred_redis_addr_parse(const char *s, size_t n, uint16_t defport, struct cred_redis_addr *out);

#endif
