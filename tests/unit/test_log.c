/* Log sink: line format, level filtering, file output, reopen after rename, threads, the
 * JSON format and special names; value quoting (base/log_fmt.h). */
#include "base/log.h"

#include "base/log_fmt.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
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

#define STREQ(a, b, ...) CHECK(strcmp((a), (b)) == 0, __VA_ARGS__)

static void test_quote(void)
{
	char b[LOG_VAL_MAX], small[16];
	char big[600];

	STREQ(log_quote(b, sizeof(b), "alice", 5), "alice", "plain value as is");
	STREQ(log_quote(b, sizeof(b), "", 0), "\"\"", "empty value quoted");
	STREQ(log_quote(b, sizeof(b), "a b", 3), "\"a b\"", "space quoted");
	STREQ(log_quote(b, sizeof(b), "x realm=evil", 12), "\"x realm=evil\"",
	      "a forged field stays inside the quotes");
	STREQ(log_quote(b, sizeof(b), "a\"b\\c", 5), "\"a\\\"b\\\\c\"", "quote and backslash");
	STREQ(log_quote(b, sizeof(b), "a\nb\r\x01\x7f", 6), "\"a\\nb\\r\\x01\\x7f\"",
	      "control bytes escaped");
	STREQ(log_quote(b, sizeof(b), "\xff\xc3", 2), "\"\\xff\\xc3\"", "invalid UTF-8 escaped");
	STREQ(log_quote(b, sizeof(b), "jos\xc3\xa9", 5), "jos\xc3\xa9", "valid UTF-8 as is");
	STREQ(log_quote(b, sizeof(b), "\xed\xa0\x80", 3), "\"\\xed\\xa0\\x80\"",
	      "a surrogate is not UTF-8");
	STREQ(log_quote(b, sizeof(b), "\xc0\xaf", 2), "\"\\xc0\\xaf\"", "overlong form escaped");
	STREQ(log_quote(b, sizeof(b), "a\xc2\x9b", 3), "\"a\\xc2\\x9b\"", "C1 control escaped");
	STREQ(log_quote(b, sizeof(b), "a\0b", 3), "\"a\\x00b\"", "NUL escaped");
	memset(big, 'u', sizeof(big));
	log_quote(b, sizeof(b), big, sizeof(big));
	CHECK(strlen(b) == sizeof(b) - 1 && b[0] == '"' && strstr(b, "uuu...\"") &&
		      b[sizeof(b) - 2] == '"',
	      "a long value is cut with ... inside the quotes");
	log_quote(small, sizeof(small), "\n\n\n\n\n\n\n\n", 8);
	STREQ(small, "\"\\n\\n\\n\\n\\n...\"", "cut at a whole escape");
}

static void test_text_escape(void)
{
	char out[64];
	size_t used, n = log_text_escape(out, sizeof(out), "a\nb\tc\x1b", 6, &used);

	CHECK(n == 11 && memcmp(out, "a\\nb\\tc\\x1b", 11) == 0 && used == 6,
	      "control bytes in a text line escaped");
	n = log_text_escape(out, 3, "ab\n", 3, &used);
	CHECK(n == 2 && used == 2, "stops before an escape that does not fit");
}

static size_t json(char *out, size_t cap, const char *msg)
{
	struct log_json_head h = {.ts = "2026-01-01T00:00:00.000Z", .level = "info", .mod = "t"};
	size_t n = log_json_line(out, cap, &h, msg, strlen(msg));

	out[n] = '\0';
	return n;
}

static void test_json(void)
{
	char out[4096], q[LOG_VAL_MAX], msg[1024];

	json(out, sizeof(out), "allocation created user=alice lifetime=600");
	STREQ(out,
	      "{\"ts\":\"2026-01-01T00:00:00.000Z\",\"level\":\"info\",\"module\":\"t\",\"msg\":"
	      "\"allocation created\",\"user\":\"alice\",\"lifetime\":\"600\"}\n",
	      "message words and fields");
	snprintf(msg, sizeof(msg), "refused user=%s err=\"x y\" msg=m",
		 log_quote(q, sizeof(q), "a\"\n\x01\xff z", 7));
	json(out, sizeof(out), msg);
	CHECK(strstr(out, "\"user\":\"a\\\"\\n\\u0001\\ufffd z\""),
	      "quoted value unescaped, then JSON-escaped (invalid UTF-8: U+FFFD)");
	CHECK(strstr(out, "\"err\":\"x y\"") && strstr(out, "\"msg_\":\"m\""),
	      "quoted field; a key named like a head field renamed");
	json(out, sizeof(out), "raw \x01 bytes \xc3\xa9 \xfe key=");
	CHECK(strstr(out, "\"msg\":\"raw \\u0001 bytes \xc3\xa9 \\ufffd\"") &&
		      strstr(out, "\"key\":\"\""),
	      "raw control and invalid bytes in the message");
	memset(msg, 'z', sizeof(msg) - 1);
	msg[sizeof(msg) - 1] = '\0';
	memcpy(msg, "k=", 2);
	json(out, 300, msg);
	CHECK(strlen(out) <= 300 && strstr(out, ",\"truncated\":\"true\"}\n"),
	      "a line too long is cut into a whole object");
	CHECK(strstr(out, "\"k\":\"zzzz") && strstr(out, "zz\",\"truncated\""),
	      "a long value is cut at a whole character");
	json(out, 300,
	     "m a=1 b=\"\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\"");
	CHECK(out[strlen(out) - 2] == '}', "escapes near the end keep the object whole");
}

static void test_json_sink(void)
{
	char *text, q[LOG_VAL_MAX];

	unlink(path);
	CHECK_EQ_INT(log_open(path, false, LOG_LVL_INFO), 0, "log_open file again");
	log_set_format(LOG_FMT_JSON);
	log_info("session", "allocation ended user=%s bytes=%d", log_quote(q, sizeof(q), "a b", 3),
		 5);
	log_set_format(LOG_FMT_TEXT);
	log_info("session", "text again user=%s", log_quote(q, sizeof(q), "x\ny", 3));
	log_info("session", "raw %s", "line\nbreak");
	text = slurp(path);
	CHECK(text && !strncmp(text, "{\"ts\":\"", 7) &&
		      strstr(text, "\"level\":\"info\",\"module\":\"session\",\"msg\":\"allocation "
				   "ended\",\"user\":\"a b\",\"bytes\":\"5\"}\n"),
	      "a JSON line");
	CHECK(text && strstr(text, "INFO session: text again user=\"x\\ny\"\n"),
	      "text line with a quoted value");
	CHECK(text && strstr(text, "INFO session: raw line\\nbreak\n"),
	      "a raw line break never splits a text line");
	CHECK_EQ_INT(text ? count_lines(text, "\n") : 0, 3, "three lines");
	CHECK_EQ_INT(log_format_parse("json"), LOG_FMT_JSON, "json parses");
	CHECK_EQ_INT(log_format_parse(NULL), LOG_FMT_TEXT, "default text");
	CHECK(log_format_parse("xml") < 0, "unknown format refused");
	free(text);
}

/* stdout as the sink: lines reach descriptor 1 (redirected to a file here). */
static void test_stdout(void)
{
	char *text;
	int saved = dup(STDOUT_FILENO), fd, rc_open, rc_reopen;

	fflush(stdout); /* TAP output must not follow the redirection */
	fd = open(rotated, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	dup2(fd, STDOUT_FILENO);
	close(fd);
	rc_open = log_open("stdout", false, LOG_LVL_INFO);
	log_info("test", "to stdout n=%d", 1);
	rc_reopen = log_reopen();
	log_info("test", "to stdout n=%d", 2);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	CHECK_EQ_INT(rc_open, 0, "log_open stdout");
	CHECK_EQ_INT(rc_reopen, 0, "reopen on stdout is a no-op");
	text = slurp(rotated);
	CHECK(text && strstr(text, "INFO test: to stdout n=1\n") &&
		      strstr(text, "INFO test: to stdout n=2\n"),
	      "lines written to standard output");
	CHECK(access("stdout", F_OK) != 0, "no file named stdout");
	free(text);
	unlink(rotated);
}

/* Reload: log_open again switches the sink (file to file, after log_close too). */
static void test_switch(void)
{
	char *a, *b;

	unlink(path);
	unlink(rotated);
	CHECK_EQ_INT(log_open(path, false, LOG_LVL_INFO), 0, "open file a");
	log_info("test", "to a");
	CHECK_EQ_INT(log_open(rotated, false, LOG_LVL_INFO), 0, "switch to file b");
	log_info("test", "to b");
	log_close();
	CHECK_EQ_INT(log_open(path, false, LOG_LVL_INFO), 0, "open a again after log_close");
	log_info("test", "to a again");
	a = slurp(path);
	b = slurp(rotated);
	CHECK(a && b && strstr(a, "to a\n") && !strstr(a, "to b") && strstr(b, "to b\n") &&
		      !strstr(b, "to a") && strstr(a, "to a again\n"),
	      "each line in the sink open at the time");
	free(a);
	free(b);
	unlink(rotated);
}

/* syslog-facility: coturn's names, any case; USER when unset. */
static void test_facility(void)
{
	CHECK_EQ_INT(log_facility_parse(NULL), LOG_USER, "no facility: USER");
	CHECK_EQ_INT(log_facility_parse(""), LOG_USER, "empty facility: USER");
	CHECK_EQ_INT(log_facility_parse("LOCAL0"), LOG_LOCAL0, "LOCAL0");
	CHECK_EQ_INT(log_facility_parse("local7"), LOG_LOCAL7, "local7 (any case)");
	CHECK_EQ_INT(log_facility_parse("Daemon"), LOG_DAEMON, "Daemon");
	CHECK_EQ_INT(log_facility_parse("AUTHPRIV"), LOG_AUTHPRIV, "AUTHPRIV");
	CHECK(log_facility_parse("LOCAL8") < 0 && log_facility_parse("user ") < 0,
	      "unknown names refused");
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
	test_quote();
	test_text_escape();
	test_json();
	test_json_sink();
	test_stdout();
	test_switch();
	test_facility();
	log_close();
	CHECK_EQ_INT(log_reopen(), 0, "reopen on stderr is a no-op");
	unlink(path);
	unlink(rotated);
	rmdir(dir);
	return tap_done();
}
