/* ternctl's Redis access: coturn's connection string, a synchronous hiredis connection,
 * commands as argument vectors (names may hold any byte but NUL), SCAN-based listing, the
 * key schema, and the invalidation ternd listens to. Every cli_db_* call prints its own
 * one-line error and returns an exit status (CLI_OK, CLI_REFUSED on an error reply,
 * CLI_USAGE on a connection error). */
#ifndef TERN_CLI_REDIS_H
#define TERN_CLI_REDIS_H

#include <stddef.h>

#include "cli/cli.h"
#include "cli/cli_strv.h"
#include "cred/redis_keys.h"

#define CLI_REDIS_ENV "TERN_REDIS_USERDB"

/* coturn's "key=value key=value" form: ip|host|addr|ipaddr|hostaddr, port|p,
 * dbname|db|database, user|uname|name|username, password|pwd|passwd|secret,
 * connect_timeout|timeout. Unknown keys are errors. */
/* Connects with conninfo (NULL: $TERN_REDIS_USERDB), authenticates and selects the
 * database. On success *out is set (free with cli_redis_close). */
int cli_redis_connect(const struct cli *c, const char *conninfo, struct cli_redis **out);
void cli_redis_close(struct cli_redis *db);

/* A NULL-terminated argument vector for the calls below. */
#define CLI_ARGV(...) ((const char *const[]){__VA_ARGS__, NULL})

/* Runs a command whose reply may be anything but an error. */
int cli_db_ok(const struct cli *c, const char *const *argv);
/* Runs a command with an integer reply into *out. */
int cli_db_int(const struct cli *c, long long *out, const char *const *argv);
/* Runs a command with a string or nil reply; *out is a malloc'd copy or NULL for nil. */
int cli_db_get(const struct cli *c, char **out, const char *const *argv);
/* SMEMBERS key into out (appends; sorted). */
int cli_db_members(const struct cli *c, const char *key, struct cli_strv *out);
/* SCAN MATCH pattern into out (appends; sorted, duplicates dropped). */
int cli_db_scan(const struct cli *c, const char *pattern, struct cli_strv *out);
/* Runs a command whose reply may be anything but an error into *out (free it with
 * freeReplyObject). */
struct redisReply;
int cli_db_reply(const struct cli *c, struct redisReply **out, const char *const *argv);
/* Runs the queued MULTI block; refuses when any command in it failed. */
int cli_db_exec(const struct cli *c);
/* Publishes "<realm>/<user>" (user != NULL) or "<realm>" on CRED_REDIS_CHANNEL. */
int cli_db_invalidate(const struct cli *c, const char *realm, const char *user);

/* Keys of the schema in cred/redis_keys.h (leaf: CRED_REDIS_KEY, _PASSWORD, _SHA256 for a
 * user; _SECRET, _MAX_BPS, ... for a realm). Returned strings are malloc'd. */
char *cli_key_user(const char *realm, const char *user, const char *leaf);
char *cli_key_realm(const char *realm, const char *leaf);
/* s with the glob characters * ? [ ] \ escaped for SCAN MATCH. malloc'd. */
char *cli_glob_escape(const char *s);

#endif
