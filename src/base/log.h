/* Logging: one line per event, "LEVEL module: message key=value ...".
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

/* Opens the sink: path NULL means stderr; use_syslog sends lines to syslog(3) instead.
 * Returns 0 or -errno (the file could not be opened; the sink stays stderr). */
int log_open(const char *path, bool use_syslog, enum log_level level);
/* Reopens the log file (after rotation; called from SIGHUP handling). 0 or -errno. */
int log_reopen(void);
void log_close(void);
void log_set_level(enum log_level level);
bool log_enabled(enum log_level level);

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
