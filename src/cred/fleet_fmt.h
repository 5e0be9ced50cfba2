/* The session registry's text formats (README "### Session registry"): the line a node
 * writes for each allocation in tern/fleet/node/<id>/sessions, and the commands of the
 * control channel tern/fleet/control. Written by ternd (cred/fleet_reg.c), read by ternctl
 * (cli/cli_fleet.c). Pure: no I/O, no malloc, no logging; any thread.
 *
 * A session line, one space between fields, keys fixed and in this order:
 *   v=1 w=W since=MS seen=MS expires=MS transport=T client=A local=A relay=A[,A]
 *   user=U realm=R pkts_to_peer=N pkts_to_client=N bytes_to_peer=N bytes_to_client=N
 * W the worker holding it; since, seen (when the line was written) and expires in unix
 * milliseconds by the node's clock; A "IP:PORT" or "[IP]:PORT"; relay empty when none;
 * every value percent-encoded (bytes other than A-Z a-z 0-9 - . _ ~ : [ ] , @ + / as %XX),
 * so a value holds no space. A line of another version is not this one (-EPROTO).
 *
 * Control commands (percent-encoded the same way):
 *   kill-user REALM USER      every allocation of USER of REALM ("*": any realm; a realm
 *                             named "*" is written %2A), on every node
 *   kill-session NODE HEX     the allocation with session id HEX on node instance NODE */
#ifndef TERN_CRED_FLEET_FMT_H
#define TERN_CRED_FLEET_FMT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FLEET_SESS_VERSION 1
/* Room for one text field: a USERNAME is at most 513 bytes (RFC 8489 §14.3). */
#define FLEET_NAME_MAX	    520
#define FLEET_ADDR_MAX	    56
#define FLEET_TRANSPORT_MAX 16
/* A line's longest: every name byte encoded as %XX. */
#define FLEET_LINE_MAX (2 * 3 * FLEET_NAME_MAX + 4 * FLEET_ADDR_MAX + 512)

struct fleet_sess {
	unsigned worker;
	uint64_t since_ms, seen_ms, expires_ms; /* unix ms */
	char transport[FLEET_TRANSPORT_MAX];
	char client[FLEET_ADDR_MAX], local[FLEET_ADDR_MAX];
	char relay[2 * FLEET_ADDR_MAX]; /* "A" or "A,B" or "" */
	char user[FLEET_NAME_MAX], realm[FLEET_NAME_MAX];
	uint64_t pkts_to_peer, pkts_to_client;
	uint64_t bytes_to_peer, bytes_to_client;
};

/* s as a line into buf (NUL-terminated). Its length, or -ENOSPC when cap is too small
 * (FLEET_LINE_MAX always suffices). */
int fleet_sess_format(const struct fleet_sess *s, char *buf, size_t cap);
/* Parses line[0..len) strictly (every key, in order, each value well formed and
 * fitting). 0 with *out, or -EPROTO (another version), -EINVAL. */
int fleet_sess_parse(const char *line, size_t len, struct fleet_sess *out);

enum fleet_ctl_kind { FLEET_CTL_KILL_USER, FLEET_CTL_KILL_SESSION };

struct fleet_ctl {
	enum fleet_ctl_kind kind;
	char realm[FLEET_NAME_MAX]; /* kill-user; "" with any_realm */
	char user[FLEET_NAME_MAX];
	bool any_realm;
	char node[FLEET_NAME_MAX]; /* kill-session */
	uint64_t id;
};

/* The command for c into buf. Its length, or -ENOSPC. */
int fleet_ctl_format(const struct fleet_ctl *c, char *buf, size_t cap);
/* Parses a message strictly: 0 with *out, or -EINVAL. */
int fleet_ctl_parse(const char *msg, size_t len, struct fleet_ctl *out);

#endif
