/* ternctl status, sessions, kill, reload, drain, log-level: requests on ternd's admin
 * socket (the protocol is described in src/app/admin.h). The socket is --admin-socket,
 * else $TERN_ADMIN_SOCKET, else /run/ternd/admin.sock. */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "cli/cli.h"

#define CLI_ADMIN_DEFAULT "/run/ternd/admin.sock"
#define CLI_ADMIN_REQ_MAX 4096
/* A reload or a busy server may take a while; a drain's answer comes at once. */
#define CLI_ADMIN_TIMEOUT_S 30

static const char *cli_admin_path(const struct cli_opts *o)
{
	const char *env = getenv("TERN_ADMIN_SOCKET");

	if (o->admin_socket && *o->admin_socket)
		return o->admin_socket;
	return env && *env ? env : CLI_ADMIN_DEFAULT;
}

/* Appends " key=VALUE" with VALUE percent-encoded (app/admin.h). 0 or -E2BIG. */
static int cli_admin_arg(char *req, size_t cap, const char *key, const char *val)
{
	static const char keep[] = "-._~:@+/";
	size_t n = strlen(req);

	n += (size_t)snprintf(req + n, cap > n ? cap - n : 0, " %s=", key);
	for (const unsigned char *p = (const unsigned char *)val; *p && n + 4 < cap; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr(keep, *p))
			req[n++] = (char)*p;
		else
			n += (size_t)snprintf(req + n, cap - n, "%%%02X", *p);
	}
	req[n < cap ? n : cap - 1] = '\0';
	return n + 4 < cap ? 0 : -E2BIG;
}

static int cli_admin_connect(struct cli *c, const char *path, int *out)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	struct timeval tv = {CLI_ADMIN_TIMEOUT_S, 0};
	int fd, err;

	if (strlen(path) >= sizeof(sun.sun_path))
		return cli_fail(c, CLI_USAGE, "admin socket path too long: %s", path);
	memcpy(sun.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return cli_fail(c, CLI_USAGE, "socket: %s", strerror(errno));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0) {
		*out = fd;
		return CLI_OK;
	}
	err = errno;
	close(fd);
	if (err == ENOENT || err == ECONNREFUSED)
		return cli_fail(c, CLI_USAGE, "ternd is not running (no admin socket at %s)", path);
	if (err == EACCES || err == EPERM)
		return cli_fail(c, CLI_USAGE,
				"permission denied on %s (run as ternd's user or root)", path);
	return cli_fail(c, CLI_USAGE, "cannot connect to %s: %s", path, strerror(err));
}

/* Prints the body of a response (dot-stuffing undone) and returns the exit status. */
static int cli_admin_print(struct cli *c, FILE *in)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int rc = -1;
	bool ended = false;

	while ((n = getline(&line, &cap, in)) > 0) {
		if (line[n - 1] == '\n')
			line[--n] = '\0';
		if (rc < 0) {
			if (strcmp(line, "ok") == 0)
				rc = CLI_OK;
			else if (strncmp(line, "error ", 6) == 0)
				rc = cli_fail(c, CLI_REFUSED, "%s", line + 6);
			else
				rc = cli_fail(c, CLI_USAGE, "unexpected answer: %.80s", line);
			continue;
		}
		if (strcmp(line, ".") == 0) {
			ended = true;
			break;
		}
		puts(line[0] == '.' ? line + 1 : line);
	}
	free(line);
	if (rc < 0 || (rc == CLI_OK && !ended))
		return cli_fail(c, CLI_USAGE, "ternd closed the admin socket mid-answer");
	return rc;
}

/* Sends req (one line) and prints the answer. */
static int cli_admin_request(struct cli *c, const char *req)
{
	size_t len = strlen(req);
	FILE *in;
	int fd = -1, rc = cli_admin_connect(c, cli_admin_path(c->o), &fd);

	if (rc)
		return rc;
	/* A refusal (permission, busy) may be waiting already, the server gone: read it. */
	if (send(fd, req, len, MSG_NOSIGNAL) != (ssize_t)len ||
	    send(fd, "\n", 1, MSG_NOSIGNAL) != 1)
		shutdown(fd, SHUT_WR);
	in = fdopen(fd, "r");
	if (in == NULL) {
		close(fd);
		return cli_fail(c, CLI_USAGE, "fdopen: %s", strerror(errno));
	}
	rc = cli_admin_print(c, in);
	fclose(in);
	return rc;
}

static int status_run(struct cli *c)
{
	return cli_admin_request(c, c->o->json ? "status json" : "status");
}

static int sessions_run(struct cli *c)
{
	char req[CLI_ADMIN_REQ_MAX] = "sessions";

	if (c->o->fleet)
		return cli_fleet_sessions(c);
	if (c->o->redis)
		return cli_fail(c, CLI_USAGE, "--redis goes with --fleet");
	if (c->o->json)
		strcat(req, " json");
	if ((c->o->user && cli_admin_arg(req, sizeof(req), "user", c->o->user) < 0) ||
	    (c->o->realm && cli_admin_arg(req, sizeof(req), "realm", c->o->realm) < 0))
		return cli_fail(c, CLI_USAGE, "argument too long");
	return cli_admin_request(c, req);
}

static int kill_run(struct cli *c)
{
	const struct cli_opts *o = c->o;
	char req[CLI_ADMIN_REQ_MAX] = "kill";
	int rc = 0;

	if (o->fleet)
		return cli_fleet_kill(c);
	if (o->redis)
		return cli_fail(c, CLI_USAGE, "--redis goes with --fleet");
	if ((o->n_args == 1) == (o->user != NULL))
		return cli_fail(c, CLI_USAGE,
				"give one SESSION id or --user USER (try 'ternctl kill --help')");
	if (o->n_args == 1)
		rc = cli_admin_arg(req, sizeof(req), "id", o->args[0]);
	else
		rc = cli_admin_arg(req, sizeof(req), "user", o->user);
	if (rc == 0 && o->realm)
		rc = cli_admin_arg(req, sizeof(req), "realm", o->realm);
	if (rc < 0)
		return cli_fail(c, CLI_USAGE, "argument too long");
	return cli_admin_request(c, req);
}

static int reload_run(struct cli *c)
{
	return cli_admin_request(c, "reload");
}

static int drain_run(struct cli *c)
{
	char req[64] = "drain";

	if (c->o->timeout >= 0)
		snprintf(req, sizeof(req), "drain timeout=%lld", c->o->timeout);
	return cli_admin_request(c, req);
}

static int log_level_run(struct cli *c)
{
	char req[64];
	const char *lvl = c->o->args[0];

	if (strcmp(lvl, "err") && strcmp(lvl, "warn") && strcmp(lvl, "info") &&
	    strcmp(lvl, "debug"))
		return cli_fail(c, CLI_USAGE, "LEVEL is err, warn, info or debug, not \"%.32s\"",
				lvl);
	snprintf(req, sizeof(req), "log-level %s", lvl);
	return cli_admin_request(c, req);
}

#define CLI_ADMIN_HELP_SOCK                                                                        \
	"      --admin-socket=PATH  ternd's admin socket (default: $TERN_ADMIN_SOCKET, else\n"     \
	"                           " CLI_ADMIN_DEFAULT ")\n"

static const struct cli_verb status_verbs[] = {
	{NULL, "[--json] [--admin-socket PATH]", "jAh", false, 0, NULL, status_run,
	 "Prints the running ternd's version, pid, uptime (seconds), worker threads,\n"
	 "current allocations, and whether it is ready and whether it is draining.\n\n"
	 "      --json     one JSON object\n" CLI_ADMIN_HELP_SOCK},
};
static const struct cli_verb sessions_verbs[] = {
	{NULL,
	 "[--user USER] [--realm REALM] [--json] [--admin-socket PATH | --fleet [--redis "
	 "CONNINFO]]",
	 "urjAFNh", false, 0, NULL, sessions_run,
	 "Lists the allocations: session id (hex), transport, client and server address,\n"
	 "relayed address(es), user, realm, age and seconds to expiry (s), packets and\n"
	 "bytes relayed each way. One key=value line each (values with spaces or odd\n"
	 "bytes quoted and escaped), or a JSON array with --json.\n"
	 "With --fleet: every live node's allocations from the session registry in\n"
	 "Redis, each line starting with node=NODE (the node instance); counters and\n"
	 "expiry as of the node's last refresh (at most a third of fleet-lease old).\n\n"
	 "  -u, --user=USER    only this user's\n"
	 "  -r, --realm=REALM  only this realm's\n"
	 "      --json         a JSON array\n"
	 "      --fleet        the whole fleet, from Redis (not the admin "
	 "socket)\n" CLI_ADMIN_HELP_SOCK},
};
static const struct cli_verb kill_verbs[] = {
	{NULL,
	 "SESSION | --user USER [--realm REALM] [--admin-socket PATH | --fleet [--redis CONNINFO]]",
	 "urAFNh", false, -1, "SESSION", kill_run,
	 "Ends allocations now: the one with session id SESSION (hex, as 'ternctl\n"
	 "sessions' prints it), or every allocation of USER (of REALM only, with\n"
	 "--realm). The client's next request on it gets 437 (Allocation Mismatch);\n"
	 "over TCP or TLS its connection closes (RFC 8656 section 5).\n"
	 "With --fleet: on whichever node holds them, through the fleet's control\n"
	 "channel in Redis; SESSION is NODE/ID as 'ternctl sessions --fleet' prints\n"
	 "it (or ID alone when one node has it); waits up to 3 s for them to leave the\n"
	 "session registry and prints how many did.\n"
	 "Exit 1 when nothing matched.\n\n"
	 "  -u, --user=USER\n  -r, --realm=REALM\n"
	 "      --fleet        the whole fleet, through Redis (not the admin "
	 "socket)\n" CLI_ADMIN_HELP_SOCK},
};
static const struct cli_verb reload_verbs[] = {
	{NULL, "[--admin-socket PATH]", "Ah", false, 0, NULL, reload_run,
	 "Reloads the running ternd, as SIGHUP does, and prints the result; exit 1 with\n"
	 "the reason when the reload failed (nothing changed then).\n\n" CLI_ADMIN_HELP_SOCK},
};
static const struct cli_verb drain_verbs[] = {
	{NULL, "[--timeout SECONDS] [--admin-socket PATH]", "TAh", false, 0, NULL, drain_run,
	 "Starts a drain: new Allocates are refused (300 Try Alternate with\n"
	 "alternate-server, else 508), existing allocations keep relaying; ternd exits 0\n"
	 "once at most drain-min-allocations remain, or at the timeout.\n\n"
	 "      --timeout=SECONDS  stop then anyway (default: drain-timeout; 0 = none)\n"
	 "" CLI_ADMIN_HELP_SOCK},
};
static const struct cli_verb log_level_verbs[] = {
	{NULL, "LEVEL [--admin-socket PATH]", "Ah", false, 1, "LEVEL", log_level_run,
	 "Sets the running ternd's log level: err, warn, info or debug (until the\n"
	 "next reload or restart).\n\n" CLI_ADMIN_HELP_SOCK},
};

const struct cli_group cli_status_group = {"status", "the running ternd's state (admin socket)",
					   status_verbs, 1};
const struct cli_group cli_sessions_group = {"sessions", "list allocations (admin socket)",
					     sessions_verbs, 1};
const struct cli_group cli_kill_group = {"kill", "end allocations now (admin socket)", kill_verbs,
					 1};
const struct cli_group cli_reload_group = {"reload", "reload the configuration (admin socket)",
					   reload_verbs, 1};
const struct cli_group cli_drain_group = {"drain", "refuse new allocations, exit when done",
					  drain_verbs, 1};
const struct cli_group cli_log_level_group = {"log-level", "set the log level (admin socket)",
					      log_level_verbs, 1};
