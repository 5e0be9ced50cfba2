/* ternctl's command model: groups of verbs ("user add"), one option parser shared by all
 * of them, and the context a verb runs in. Exit status: CLI_OK, CLI_REFUSED (not found
 * or refused), CLI_USAGE (usage or connection error). */
#ifndef TERN_CLI_CLI_H
#define TERN_CLI_CLI_H

#include <stdbool.h>
#include <stddef.h>

#define CLI_OK	    0
#define CLI_REFUSED 1
#define CLI_USAGE   2

/* Option codes: the short letter where one exists, else a private code. A verb lists the
 * codes it accepts in cli_verb.allowed. */
enum {
	CLI_O_USER = 'u',
	CLI_O_REALM = 'r',
	CLI_O_PASS = 'p',
	CLI_O_SECRET = 's',
	CLI_O_REDIS = 'N',
	CLI_O_HELP = 'h',
	CLI_O_JSON = 'j',
	CLI_O_SHA256 = '2',
	CLI_O_TTL = 't',
	CLI_O_URL = 'U',
	CLI_O_SEP = 'C',
	CLI_O_MAX_BPS = 'b',
	CLI_O_USER_QUOTA = 'q',
	CLI_O_TOTAL_QUOTA = 'Q',
	CLI_O_ADMIN_SOCKET = 'A', /* long options only */
	CLI_O_TIMEOUT = 'T',
	CLI_O_OUTPUT = 'o',
	CLI_O_REPORT = 'R', /* long option only */
	CLI_O_FLEET = 'F',  /* long option only */
};

/* Parsed options; strings borrow argv. Numbers are -1 when absent. */
struct cli_opts {
	const char *user, *realm, *pass, *secret, *redis, *sep;
	const char *admin_socket;    /* --admin-socket; NULL: $TERN_ADMIN_SOCKET or the default */
	const char *output, *report; /* config import: -o FILE, --report FILE */
	const char *urls[16];
	size_t n_urls;
	long long ttl, max_bps, user_quota, total_quota, timeout;
	bool json, sha256, help;
	bool fleet;	 /* sessions, kill: the fleet's registry in Redis (cli/cli_fleet.c) */
	bool hex_prefix; /* turnadmin -k prints "0x" before the key */
	char **args;	 /* positional arguments */
	int n_args;
};

struct cli_redis;

/* What a verb runs with. db is connected when the verb asked for Redis. */
struct cli {
	const char *name; /* "user add", for messages */
	struct cli_redis *db;
	const struct cli_opts *o;
};

struct cli_verb {
	const char *name;      /* NULL: the group itself is the command ("key", "cred") */
	const char *synopsis;  /* after "ternctl GROUP VERB " */
	const char *allowed;   /* option codes accepted (see enum above) */
	bool redis;	       /* connect before run; cred connects on its own */
	int n_args;	       /* positional arguments required (exactly); -1: at most one */
	const char *args_name; /* their name in messages, e.g. "RANGE" */
	int (*run)(struct cli *c);
	const char *help; /* body of --help */
};

struct cli_group {
	const char *name;
	const char *summary;
	const struct cli_verb *verbs;
	size_t n_verbs;
};

extern const struct cli_group cli_key_group, cli_user_group, cli_secret_group, cli_realm_group,
	cli_peer_group, cli_cred_group;
/* The admin socket's verbs (cli/cli_admin.c): status, sessions, kill, reload, drain,
 * log-level. */
extern const struct cli_group cli_status_group, cli_sessions_group, cli_kill_group,
	cli_reload_group, cli_drain_group, cli_log_level_group;
/* ternctl sessions --fleet, kill --fleet (cli/cli_fleet.c): the session registry of every
 * live node in Redis, and kills through the fleet's control channel. */
int cli_fleet_sessions(struct cli *c);
int cli_fleet_kill(struct cli *c);
/* ternctl health (cli/cli_health.c): GET /healthz, for a container's HEALTHCHECK. */
extern const struct cli_group cli_health_group;
/* ternctl config import: a coturn configuration into a ternd.conf (cli/cli_config.c). */
extern const struct cli_group cli_config_group;

/* Every command group, in help order (cli/cli_groups.c). */
extern const struct cli_group *const cli_groups[];
extern const size_t cli_ngroups;

/* Prints "ternctl NAME: MESSAGE" on stderr (one line) and returns code. */
int cli_fail(const struct cli *c, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Parses argv[optind...] (argv[0] is the verb's name) into o, accepting only the option
 * codes in allowed. Returns CLI_OK or CLI_USAGE after printing the error. */
int cli_opts_parse(int argc, char **argv, const char *name, const char *allowed,
		   struct cli_opts *o);

/* Runs verb v of group g with parsed options o: prints --help, checks positional
 * arguments, connects to Redis when asked. Returns the exit status. */
int cli_verb_run(const struct cli_group *g, const struct cli_verb *v, const struct cli_opts *o);

/* Dispatches "ternctl GROUP [VERB] OPTION..." (argv[0] is the group's name). */
int cli_group_main(const struct cli_group *g, int argc, char **argv);

/* turnadmin's flags (-a, -d, -l, -s, -S, -X, -k, -g, -G, -N ...). argv[0] is "ternctl". */
int cli_compat_main(int argc, char **argv);

/* A count: decimal digits only (no sign, no space), fitting in long long. Sets *out and
 * returns 0, or -EINVAL. Every count ternctl reads (options, turnadmin flags, realm
 * values in Redis) goes through it. */
int cli_parse_count(const char *s, long long *out);

/* Requires the named options; on a missing one prints a usage error and returns
 * CLI_USAGE. need is a string of option codes. */
int cli_require(const struct cli *c, const char *need);

#endif
