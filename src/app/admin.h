/* The admin socket: a Unix stream socket (admin-socket) on the control loop of the main
 * thread, owner-only (mode 0600 in a 0700 directory, and SO_PEERCRED: the same uid or
 * root), through which ternctl reads and steers a running ternd. Nothing on the network.
 *
 * The protocol, one request per connection:
 *   request   one line ended by LF, at most APP_ADMIN_LINE_MAX bytes:
 *             VERB [ARG ...]; an ARG is a word or key=value, the value percent-encoded
 *             (%HH for any byte that is not a letter, a digit or one of - . _ ~ : @ + /)
 *   response  a status line, "ok" or "error REASON"; body lines; a line "." alone (the
 *             end marker). A body line that begins with "." gets another "." in front
 *             (dot-stuffing, as SMTP); the reader drops it. The server then closes.
 *   verbs     status [json]                      version, pid, uptime, workers,
 *                                                allocations, ready, draining
 *             sessions [json] [user=U] [realm=R] one line (or JSON object) per allocation
 *             kill id=HEX | kill user=U [realm=R] ends allocations now: "killed=N"
 *             reload                             app_reload: "reloaded" or error
 *             drain [timeout=S]                  starts a drain (app/drain.h)
 *             log-level LEVEL                    err, warn, info or debug
 * Text bodies are key=value lines; a value with a space, a quote, a backslash or a byte
 * outside printable ASCII is quoted, with \" \\ and \xHH escapes (a USERNAME is the
 * client's bytes: it never breaks a line or forges a field). JSON bodies escape the same
 * bytes as JSON requires (invalid UTF-8 becomes U+FFFD). */
#ifndef TERN_APP_ADMIN_H
#define TERN_APP_ADMIN_H

#include <stddef.h>

struct app;
struct evbuffer;

#define APP_ADMIN_LINE_MAX 4096

struct app_admin;

/* Opens the admin socket at path on a's control loop (a->base). A live socket there
 * (another ternd answers) is left alone, a stale one replaced. Every failure is a warning
 * line and *out NULL: ternd runs without an admin socket. Main thread. */
void app_admin_open(struct app *a, const char *path, struct app_admin **out);
/* Closes the listener and every connection, and removes the socket file it made (NULL is
 * fine). */
void app_admin_close(struct app_admin *ad);

/* One request line (NUL-terminated, LF removed; changed in place) run against a: 0 with
 * the body in body, or -1 with the reason in why (cap bytes). app/admin_cmd.c. */
int app_admin_run(struct app *a, char *line, struct evbuffer *body, char *why, size_t cap);

/* Formatting (app/admin_fmt.c). app_admin_put_text: s as a text value (bare, or quoted
 * and escaped). app_admin_put_json: s as a JSON string, quotes included.
 * app_admin_pct_decode: decodes %HH in s in place; 0 or -1 (a bad escape, or a NUL). */
void app_admin_put_text(struct evbuffer *b, const char *s);
void app_admin_put_json(struct evbuffer *b, const char *s);
int app_admin_pct_decode(char *s);

#endif
