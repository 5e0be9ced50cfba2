/* The log sink. A line is formatted on the caller's stack and written with one write(2)
 * (lines are shorter than PIPE_BUF, and files are opened O_APPEND), so threads never
 * interleave. Reopening swaps the file under the same descriptor number with dup3(2), so
 * a writer racing with log_reopen writes to the old or the new file, never a closed fd. */
#include "config.h" /* first: _GNU_SOURCE for dup3(2) */

#include "base/log.h"

#include "base/log_fmt.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#define LOG_LINE_MAX 2048 /* below PIPE_BUF: one atomic write on pipes too */
#define LOG_TRUNC    "...\n"
#define LOG_JSON_MAX 4096 /* PIPE_BUF */
#define LOG_DEVLOG   "/dev/log"

static atomic_int log_level_cur = LOG_LVL_INFO;
static atomic_int log_fd = STDERR_FILENO;
static atomic_bool log_syslog;
static atomic_int log_format = LOG_FMT_TEXT;
static atomic_int log_facility = LOG_USER;
/* Main thread only: the file to reopen (NULL for a stream or syslog), and whether log_fd
 * is the sink's own descriptor (else STDERR_FILENO, before the first log_open). */
static char *log_path;
static bool log_fd_owned;

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

/* Makes fd (taken) the sink, path (a file to reopen, or NULL) remembered. The first time
 * fd itself becomes the sink's descriptor; later ones are dup3'd onto it, so a writer
 * never holds a closed descriptor. */
static int log_install(int fd, const char *path)
{
	char *copy = path ? strdup(path) : NULL;
	int rc = 0;

	if (path && !copy) {
		close(fd);
		return -ENOMEM;
	}
	if (log_fd_owned) {
		if (dup3(fd, atomic_load(&log_fd), O_CLOEXEC) < 0)
			rc = -errno;
		close(fd);
	} else {
		atomic_store(&log_fd, fd);
		log_fd_owned = true;
	}
	if (rc < 0) {
		free(copy);
		return rc;
	}
	free(log_path);
	log_path = copy;
	if (atomic_exchange(&log_syslog, false))
		closelog();
	return 0;
}

/* A standard stream as the sink (through a descriptor of its own). */
static int log_install_std(int std)
{
	int fd = fcntl(std, F_DUPFD_CLOEXEC, 3);

	return fd < 0 ? -errno : log_install(fd, NULL);
}

/* 0 when a syslog daemon listens on /dev/log (datagram or stream, as glibc tries), else
 * -errno. */
static int log_syslog_probe(void)
{
	static const int types[] = {SOCK_DGRAM, SOCK_STREAM};
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	int fd, rc = -ENOENT;

	memcpy(sun.sun_path, LOG_DEVLOG, sizeof(LOG_DEVLOG));
	for (size_t i = 0; i < 2 && rc < 0; i++) {
		fd = socket(AF_UNIX, types[i] | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return -errno;
		rc = connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0 ? -errno : 0;
		close(fd);
	}
	return rc;
}

static int log_open_syslog(void)
{
	int rc = log_syslog_probe();

	if (rc < 0) {
		/* coturn's behaviour too: no syslog daemon, lines go to standard error. */
		int err = log_install_std(STDERR_FILENO);

		log_warn("log", "syslog unavailable, logging to stderr socket=%s err=\"%s\"",
			 LOG_DEVLOG, strerror(-rc));
		return err;
	}
	openlog(NULL, LOG_PID | LOG_NDELAY, atomic_load(&log_facility));
	atomic_store(&log_syslog, true);
	free(log_path);
	log_path = NULL;
	return 0;
}

int log_open(const char *path, bool use_syslog, enum log_level level)
{
	int fd;

	log_set_level(level);
	if (use_syslog || (path && strcmp(path, "syslog") == 0))
		return log_open_syslog();
	if (!path || !*path || strcmp(path, "stderr") == 0)
		return log_install_std(STDERR_FILENO);
	if (strcmp(path, "stdout") == 0)
		return log_install_std(STDOUT_FILENO);
	fd = log_open_file(path);
	return fd < 0 ? fd : log_install(fd, path);
}

int log_reopen(void)
{
	int fd, rc = 0;

	if (!log_path || !log_fd_owned || atomic_load(&log_syslog))
		return 0;
	fd = log_open_file(log_path);
	if (fd < 0)
		return fd;
	if (dup3(fd, atomic_load(&log_fd), O_CLOEXEC) < 0)
		rc = -errno;
	close(fd);
	return rc;
}

void log_close(void)
{
	/* Back to standard error under the same descriptor number (a worker still logging
	 * never writes to a closed or reused descriptor); the number lives until exit. */
	if (log_fd_owned)
		dup3(STDERR_FILENO, atomic_load(&log_fd), O_CLOEXEC);
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

void log_set_format(enum log_format fmt)
{
	atomic_store_explicit(&log_format, (int)fmt, memory_order_relaxed);
}

int log_format_parse(const char *name)
{
	if (!name || !*name || strcmp(name, "text") == 0)
		return LOG_FMT_TEXT;
	if (strcmp(name, "json") == 0)
		return LOG_FMT_JSON;
	return -EINVAL;
}

static const struct {
	const char *name;
	int facility;
} log_facilities[] = {
	{"user", LOG_USER},	    {"daemon", LOG_DAEMON}, {"auth", LOG_AUTH},
	{"authpriv", LOG_AUTHPRIV}, {"cron", LOG_CRON},	    {"ftp", LOG_FTP},
	{"kern", LOG_KERN},	    {"lpr", LOG_LPR},	    {"mail", LOG_MAIL},
	{"news", LOG_NEWS},	    {"syslog", LOG_SYSLOG}, {"uucp", LOG_UUCP},
	{"local0", LOG_LOCAL0},	    {"local1", LOG_LOCAL1}, {"local2", LOG_LOCAL2},
	{"local3", LOG_LOCAL3},	    {"local4", LOG_LOCAL4}, {"local5", LOG_LOCAL5},
	{"local6", LOG_LOCAL6},	    {"local7", LOG_LOCAL7},
};

int log_facility_parse(const char *name)
{
	if (!name || !*name)
		return LOG_USER;
	for (size_t i = 0; i < sizeof(log_facilities) / sizeof(log_facilities[0]); i++)
		if (strcasecmp(name, log_facilities[i].name) == 0)
			return log_facilities[i].facility;
	return -EINVAL;
}

void log_set_facility(int facility)
{
	atomic_store_explicit(&log_facility, facility, memory_order_relaxed);
}

/* "2026-11-25T08:30:00.123Z" into buf (at least 32 bytes); returns its length. */
static size_t log_stamp(char *buf, size_t len)
{
	struct timespec ts;
	struct tm tm;
	size_t n;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	n += (size_t)snprintf(buf + n, len - n, ".%03ldZ", ts.tv_nsec / 1000000);
	return n;
}

static void log_emit(enum log_level level, const char *line, size_t n)
{
	ssize_t w;

	if (atomic_load(&log_syslog)) {
		syslog(atomic_load_explicit(&log_facility, memory_order_relaxed) |
			       log_syslog_prio[level],
		       "%.*s", (int)(n - 1), line);
		return;
	}
	do
		w = write(atomic_load(&log_fd), line, n);
	while (w < 0 && errno == EINTR);
}

/* "STAMP LEVEL mod: msg\n" (no stamp for syslog, which adds its own), control bytes of
 * msg escaped; a message cut short ends in "...". */
static size_t log_text_line(char *line, size_t cap, enum log_level level, const char *mod,
			    const char *msg, size_t n, bool cut)
{
	size_t o = 0, used;
	int k;

	if (!atomic_load(&log_syslog)) {
		o = log_stamp(line, cap);
		line[o++] = ' ';
	}
	k = snprintf(line + o, cap - o, "%s %s: ", log_names[level], mod);
	o += k > 0 && (size_t)k < cap - o ? (size_t)k : 0;
	o += log_text_escape(line + o, cap - o - sizeof(LOG_TRUNC), msg, n, &used);
	if (cut || used < n) {
		memcpy(line + o, LOG_TRUNC, sizeof(LOG_TRUNC) - 1);
		return o + sizeof(LOG_TRUNC) - 1;
	}
	line[o++] = '\n';
	return o;
}

static size_t log_json(char *line, size_t cap, enum log_level level, const char *mod,
		       const char *msg, size_t n)
{
	static const char *const lower[] = {"err", "warn", "info", "debug"};
	char ts[40];
	struct log_json_head h = {.ts = ts, .level = lower[level], .mod = mod};

	log_stamp(ts, sizeof(ts));
	return log_json_line(line, cap, &h, msg, n);
}

void log_write(enum log_level level, const char *mod, const char *fmt, ...)
{
	char msg[LOG_LINE_MAX], line[LOG_JSON_MAX];
	size_t n, len;
	int k;
	va_list ap;

	if (level > LOG_LVL_DEBUG || !log_enabled(level))
		return;
	va_start(ap, fmt);
	k = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	n = k < 0 ? 0 : (size_t)k < sizeof(msg) ? (size_t)k : sizeof(msg) - 1;
	if (atomic_load_explicit(&log_format, memory_order_relaxed) == LOG_FMT_JSON)
		len = log_json(line, sizeof(line), level, mod, msg, n);
	else
		len = log_text_line(line, LOG_LINE_MAX, level, mod, msg, n, n < (size_t)k);
	log_emit(level, line, len);
}
