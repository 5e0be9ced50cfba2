/* Logging: one line per event, "LEVEL module: message key=value ...", or the same as one
 * JSON object (log_set_format). Values a client chose go through log_quote
 * (base/log_fmt.h).
 * The sink is process-global (the one piece of global state besides the config and
 * signal flags). Thread-safe: each line is written with a single write(2). */
#ifndef TERN_BASE_LOG_H
#define TERN_BASE_LOG_H

#include <stdbool.h>

enum log_level {
	LOG_LVL_ERR = 0,
	LOG_LVL_WARN = 1,
	LOG_LVL_INFO = 2,
	LOG_LVL_DEBUG = 3,
};

enum log_format {
	LOG_FMT_TEXT = 0, /* "2026-11-25T08:30:00.123Z INFO module: message key=value ..." */
	LOG_FMT_JSON = 1, /* one JSON object a line (base/log_fmt.h) */
};

/* Opens (or, called again, switches) the sink and sets the level. path: NULL, "" or
 * "stderr" for standard error, "stdout" for standard output, "syslog" (as use_syslog) for
 * syslog(3), anything else a file opened for appending. Without a syslog socket at
 * /dev/log the sink is standard error and a warning line says so (0 is returned).
 * Returns 0 or -errno (the file could not be opened; the sink is unchanged). Main thread
 * (workers may be logging meanwhile: they write to the old or the new sink). */
int log_open(const char *path, bool use_syslog, enum log_level level);
/* Reopens the log file (after rotation; called from SIGHUP handling). 0 or -errno. */
int log_reopen(void);
/* Back to standard error (any thread may still be logging). */
void log_close(void);
void log_set_level(enum log_level level);
void log_set_format(enum log_format fmt);
/* "text" or "json" (NULL or "" is text); -EINVAL for anything else. */
int log_format_parse(const char *name);
bool log_enabled(enum log_level level);
/* A syslog facility by coturn's (and syslog's) name, any case: "USER", "DAEMON", "AUTH",
 * "AUTHPRIV", "LOCAL0".."LOCAL7", ...; NULL or "" is USER. The LOG_* value or -EINVAL. */
int log_facility_parse(const char *name);
/* The facility of syslog lines from now on (LOG_USER until set). Any thread. */
void log_set_facility(int facility);

void log_write(enum log_level level, const char *mod, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#define log_err(mod, ...)  log_write(LOG_LVL_ERR, mod, __VA_ARGS__)
#define log_warn(mod, ...) log_write(LOG_LVL_WARN, mod, __VA_ARGS__)
#define log_info(mod, ...) log_write(LOG_LVL_INFO, mod, __VA_ARGS__)
#define log_debug(mod, ...)                                                                        \
	do {                                                                                       \
		if (log_enabled(LOG_LVL_DEBUG))                                                    \
			log_write(LOG_LVL_DEBUG, mod, __VA_ARGS__);                                \
	} while (0)

#endif
