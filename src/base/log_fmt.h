/* Log line formatting (base/log.h is the sink): quoting of untrusted strings as key=value
 * values, escaping of control bytes in a text line, and the conversion of a text message
 * ("words key=value key=\"quoted value\" ...") to one JSON object. Pure: no I/O, no
 * malloc, no global state; any thread. */
#ifndef TERN_BASE_LOG_FMT_H
#define TERN_BASE_LOG_FMT_H

#include <stddef.h>

/* Room for a quoted value of a client-chosen string (a USERNAME is at most 513 bytes;
 * longer values are cut with "..."). */
#define LOG_VAL_MAX 256

/* Writes s[0..n) into buf (cap >= 8 bytes, NUL-terminated) as one key=value value that
 * can neither break the line nor forge another field: as is when it is not empty and
 * holds only printable ASCII other than '"' and '\\', and valid UTF-8 above it (C1
 * controls excepted); otherwise in double quotes, with \" \\ \n \r \t and \xNN for every
 * other control byte, DEL, C1 control and byte that is not valid UTF-8. A value too long
 * for buf is cut at a whole character or escape and ends in "..." (inside the quotes).
 * Returns buf. */
const char *log_quote(char *buf, size_t cap, const void *s, size_t n);

/* Copies in[0..n) into out (cap bytes) with every control byte (below 0x20, DEL) written
 * as \n, \r, \t or \xNN, so that a text line stays one line whatever a message holds.
 * Stops at a whole escape when out is full. Returns the length written (no NUL); *used
 * is how many bytes of in it took. */
size_t log_text_escape(char *out, size_t cap, const char *in, size_t n, size_t *used);

/* The fields of a JSON line besides the message's own. */
struct log_json_head {
	const char *ts;	   /* "2026-11-25T08:30:00.123Z" */
	const char *level; /* "info" */
	const char *mod;   /* "session" */
};

/* Room a JSON line needs at least (the head, a short message and the closing). */
#define LOG_JSON_MIN 160

/* Writes one JSON object and '\n' into out (cap >= LOG_JSON_MIN): "ts", "level",
 * "module", "msg" (the message's words that are not key=value, joined by one space),
 * then every key=value of msg[0..n) as a string field (a quoted value unescaped first;
 * a key named like a head field gets a trailing '_'). Strings are escaped for JSON:
 * control bytes as \uXXXX, bytes that are not valid UTF-8 as U+FFFD. When cap is too
 * small the object is cut at a whole character and ends with "truncated":"true"; it is
 * always valid JSON. Returns the length written (no NUL). */
size_t log_json_line(char *out, size_t cap, const struct log_json_head *h, const char *msg,
		     size_t n);

#endif
