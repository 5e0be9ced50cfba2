/* Log sink: line format, level filtering, file output, reopen after rename, threads. */
#include "base/log.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"

#define THREADS		 4
#define LINES_PER_THREAD 500

static char dir[] = "/tmp/test_log_XXXXXX";
static char path[128], rotated[128];

/* Reads the whole file into a fresh buffer (caller frees); NULL if missing. */
static char *slurp(const char *p)
{
	FILE *f = fopen(p, "r");
	char *buf;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = calloc(1, (size_t)n + 1);
	if (fread(buf, 1, (size_t)n, f) != (size_t)n)
		buf[0] = '\0';
	fclose(f);
	return buf;
}

static size_t count_lines(const char *s, const char *needle)
{
	size_t n = 0;

	for (const char *p = s; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

/* "2026-11-25T08:30:00.123Z INFO net: ..." */
static int is_stamped(const char *line)
{
	return strlen(line) > 25 && line[4] == '-' && line[10] == 'T' && line[19] == '.' &&
	       line[23] == 'Z' && line[24] == ' ';
}

static void *writer(void *arg)
{
	for (int i = 0; i < LINES_PER_THREAD; i++)
		log_info("test", "thread=%ld line=%d pad=%s", (long)(size_t)arg, i,
			 "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
	return NULL;
}

static void test_file_and_levels(void)
{
	char *text;

	CHECK_EQ_INT(log_open(path, false, LOG_LVL_INFO), 0, "log_open file");
	log_info("net", "listening addr=%s proto=%s", "127.0.0.1:3478", "udp");
	log_debug("net", "hidden debug line");
	log_err("app", "an error code=%d", 7);
	CHECK(!log_enabled(LOG_LVL_DEBUG) && log_enabled(LOG_LVL_WARN), "log_enabled at info");
	log_set_level(LOG_LVL_DEBUG);
	log_debug("net", "shown debug line");
	log_set_level(LOG_LVL_ERR);
	log_warn("net", "hidden warning");
	text = slurp(path);
	CHECK(text && is_stamped(text), "line starts with an ISO-8601 UTC timestamp");
	CHECK(text && strstr(text, "Z INFO net: listening addr=127.0.0.1:3478 proto=udp\n"),
	      "level, module, message, newline");
	CHECK(text && strstr(text, "ERR app: an error code=7\n"), "error line");
	CHECK(text && !strstr(text, "hidden"), "filtered levels not written");
	CHECK(text && strstr(text, "DEBUG net: shown debug line\n"), "debug after set_level");
	CHECK_EQ_INT(text ? count_lines(text, "\n") : 0, 3, "three lines");
	free(text);
}

static void test_long_line(void)
{
	char big[5000], *text;

	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	log_set_level(LOG_LVL_INFO);
	log_info("test", "big=%s", big);
	text = slurp(path);
	CHECK(text && strstr(text, "aaa...\n"), "long line truncated with ...");
	free(text);
}

static void test_reopen(void)
{
	char *old, *cur;

	CHECK_EQ_INT(rename(path, rotated), 0, "rotate the file");
	log_info("test", "after rename before reopen");
	CHECK_EQ_INT(log_reopen(), 0, "log_reopen");
	log_info("test", "after reopen");
	old = slurp(rotated);
	cur = slurp(path);
	CHECK(old && strstr(old, "after rename before reopen"), "old file gets lines until reopen");
	CHECK(cur && strstr(cur, "after reopen") && !strstr(cur, "before reopen"),
	      "new file gets lines after reopen");
	free(old);
	free(cur);
}

static void test_threads(void)
{
	pthread_t t[THREADS];
	char *text, *line, *save = NULL;
	size_t good = 0;

	unlink(path);
	CHECK_EQ_INT(log_reopen(), 0, "reopen to a fresh file");
	for (size_t i = 0; i < THREADS; i++)
		pthread_create(&t[i], NULL, writer, (void *)i);
	for (size_t i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	text = slurp(path);
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		if (is_stamped(line) && strstr(line, " INFO test: thread=") &&
		    strstr(line, "pad=xxxx") && line[strlen(line) - 1] == 'x')
			good++;
	CHECK_EQ_INT(good, THREADS * LINES_PER_THREAD, "concurrent lines are whole");
	free(text);
}

int main(void)
{
	if (!mkdtemp(dir))
		return 1;
	snprintf(path, sizeof(path), "%s/tern.log", dir);
	snprintf(rotated, sizeof(rotated), "%s/tern.log.1", dir);
	CHECK(log_open("/nonexistent-dir/x.log", false, LOG_LVL_INFO) < 0,
	      "log_open fails on a bad path");
	test_file_and_levels();
	test_long_line();
	test_reopen();
	test_threads();
	log_close();
	CHECK_EQ_INT(log_reopen(), 0, "reopen on stderr is a no-op");
	unlink(path);
	unlink(rotated);
	rmdir(dir);
	return tap_done();
}
