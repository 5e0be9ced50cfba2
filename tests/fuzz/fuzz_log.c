/* libFuzzer target: log line formatting (base/log_fmt.h) on bytes a client could choose.
 * The input's first byte picks the buffer sizes; the rest is a value. log_quote of it is
 * NUL-terminated within its buffer, has no control byte, and is bare or one quoted string;
 * a message holding the quoted value and the raw bytes, as text (log_text_escape) and as
 * JSON (log_json_line, at the chosen size) keeps every promise of log_check.h. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "base/log_fmt.h"
#include "log_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct log_json_head h = {.ts = "2026-01-01T00:00:00.000Z", .level = "info", .mod = "f"};
	char q[LOG_VAL_MAX], msg[3000], out[4096];
	size_t qcap, cap, n, qn, used;
	int k;

	if (size < 1)
		return 0;
	qcap = 8 + data[0] % (LOG_VAL_MAX - 8);
	cap = LOG_JSON_MIN + (size_t)data[0] * 15;
	data++, size--;
	log_quote(q, qcap, data, size);
	qn = strlen(q);
	if (qn >= qcap || (q[0] == '"' && (qn < 2 || q[qn - 1] != '"')))
		__builtin_trap();
	log_check_text(q, qn);
	k = snprintf(msg, sizeof(msg), "allocation created user=%s realm=%s x=%.*s", q, q,
		     (int)(size < 1000 ? size : 1000), (const char *)data);
	n = k < 0 ? 0 : (size_t)k < sizeof(msg) ? (size_t)k : sizeof(msg) - 1;
	log_check_text(out, log_text_escape(out, sizeof(out), msg, n, &used));
	log_check_json(out, log_json_line(out, cap, &h, msg, n), cap);
	log_check_json(out, log_json_line(out, cap, &h, (const char *)data, size), cap);
	return 0;
}
