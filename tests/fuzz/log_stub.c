/* The log sink of fuzz targets built without the build's config.h (base/log.c needs it):
 * every enabled line is formatted as text and as JSON (base/log_fmt.h), checked
 * (log_check.h) and dropped, so fuzz_turn drives the session and refusal lines with the
 * values clients chose. */
#include <stdarg.h>
#include <stdio.h>

#include "base/log.h"
#include "base/log_fmt.h"
#include "log_check.h"

bool log_enabled(enum log_level level)
{
	return level <= LOG_LVL_INFO;
}

void log_write(enum log_level level, const char *mod, const char *fmt, ...)
{
	struct log_json_head h = {.ts = "2026-01-01T00:00:00.000Z", .level = "info", .mod = mod};
	char msg[2048], out[4096];
	size_t n, used;
	va_list ap;
	int k;

	if (!log_enabled(level))
		return;
	va_start(ap, fmt);
	k = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	n = k < 0 ? 0 : (size_t)k < sizeof(msg) ? (size_t)k : sizeof(msg) - 1;
	log_check_text(out, log_text_escape(out, sizeof(out), msg, n, &used));
	log_check_json(out, log_json_line(out, sizeof(out), &h, msg, n), sizeof(out));
}
