/* The log sink. A line is formatted on the caller's stack and written with one write(2)
 * (lines are shorter than PIPE_BUF, and files are opened O_APPEND), so threads never
 * interleave. Reopening swaps the file under the same descriptor number with dup3(2), so
 * a writer racing with log_reopen writes to the old or the new file, never a closed fd. */
#include "config.h" /* first: _GNU_SOURCE for dup3(2) */

#include "base/log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#define LOG_LINE_MAX 2048 /* below PIPE_BUF: one atomic write on pipes too */
#define LOG_TRUNC    "...\n"

static atomic_int log_level_cur = LOG_LVL_INFO;
static atomic_int log_fd = STDERR_FILENO;
static atomic_bool log_syslog;
static char *log_path; /* owned; set and read in the main thread only */

static const char *const log_names[] = {
	[LOG_LVL_ERR] = "ERR",
	[LOG_LVL_WARN] = "WARN",
	[LOG_LVL_INFO] = "INFO",
	[LOG_LVL_DEBUG] = "DEBUG",
};

static const int log_syslog_prio[] = {
	[LOG_LVL_ERR] = LOG_ERR,
	[LOG_LVL_WARN] = LOG_WARNING,
	[LOG_LVL_INFO] = LOG_INFO,
	[LOG_LVL_DEBUG] = LOG_DEBUG,
};

static int log_open_file(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);

	return fd < 0 ? -errno : fd;
}

int log_open(const char *path, bool use_syslog, enum log_level level)
{
	int fd, old;

	log_set_level(level);
	if (use_syslog) {
		openlog(NULL, LOG_PID | LOG_NDELAY, LOG_DAEMON);
		atomic_store(&log_syslog, true);
		return 0;
	}
	if (!path || !*path)
		return 0;
	fd = log_open_file(path);
	if (fd < 0)
		return fd;
	free(log_path);
	log_path = strdup(path);
	if (!log_path) {
		close(fd);
		return -ENOMEM;
	}
	old = atomic_exchange(&log_fd, fd);
	if (old != STDERR_FILENO)
		close(old);
	return 0;
}

int log_reopen(void)
{
	int fd, cur = atomic_load(&log_fd), rc = 0;

	if (!log_path || cur == STDERR_FILENO)
		return 0;
	fd = log_open_file(log_path);
	if (fd < 0)
		return fd;
	if (dup3(fd, cur, O_CLOEXEC) < 0)
		rc = -errno;
	close(fd);
	return rc;
}

void log_close(void)
{
	int fd = atomic_exchange(&log_fd, STDERR_FILENO);

	if (fd != STDERR_FILENO)
		close(fd);
	if (atomic_exchange(&log_syslog, false))
		closelog();
	free(log_path);
	log_path = NULL;
}

void log_set_level(enum log_level level)
{
	atomic_store_explicit(&log_level_cur, (int)level, memory_order_relaxed);
}

bool log_enabled(enum log_level level)
{
	return (int)level <= atomic_load_explicit(&log_level_cur, memory_order_relaxed);
}

/* "2026-11-25T08:30:00.123Z " into buf; returns its length. */
static size_t log_stamp(char *buf, size_t len)
{
	struct timespec ts;
	struct tm tm;
	size_t n;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	n += (size_t)snprintf(buf + n, len - n, ".%03ldZ ", ts.tv_nsec / 1000000);
	return n;
}

static void log_emit(int fd, const char *line, size_t n)
{
	ssize_t w;

	do
		w = write(fd, line, n);
	while (w < 0 && errno == EINTR);
}

void log_write(enum log_level level, const char *mod, const char *fmt, ...)
{
	char line[LOG_LINE_MAX];
	size_t n = 0, head;
	int k;
	va_list ap;

	if (level > LOG_LVL_DEBUG || !log_enabled(level))
		return;
	if (!atomic_load(&log_syslog))
		n = log_stamp(line, sizeof(line));
	head = n;
	k = snprintf(line + n, sizeof(line) - n, "%s %s: ", log_names[level], mod);
	n += (size_t)(k > 0 ? k : 0);
	va_start(ap, fmt);
	k = vsnprintf(line + n, sizeof(line) - n, fmt, ap);
	va_end(ap);
	n += (size_t)(k > 0 ? k : 0);
	if (n > sizeof(line) - sizeof(LOG_TRUNC)) {
		n = sizeof(line) - sizeof(LOG_TRUNC);
		memcpy(line + n, LOG_TRUNC, sizeof(LOG_TRUNC) - 1);
		n += sizeof(LOG_TRUNC) - 1;
	} else {
		line[n++] = '\n';
	}
	if (atomic_load(&log_syslog)) {
		syslog(log_syslog_prio[level], "%.*s", (int)(n - head - 1), line + head);
		return;
	}
	log_emit(atomic_load(&log_fd), line, n);
}
