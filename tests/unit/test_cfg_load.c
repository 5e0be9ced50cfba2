/* Configuration loading across sources: every error of one run reported with its place,
 * -n, coturn's short options and names (app/cfg_coturn.h), the embedded default's random
 * demo password, syslog-facility. */
#include "app/cfg.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app/cfg_coturn.h"
#include "app/cfg_opt.h"
#include "tap.h"

#define MAX_ARGS 32

static char path[64];
static char err[CFG_ERR_MAX];
static char *no_env[] = {NULL};

static const char *write_conf(const char *text)
{
	int fd;

	if (path[0])
		unlink(path);
	snprintf(path, sizeof(path), "/tmp/test_cfg_load_XXXXXX");
	fd = mkstemp(path);
	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		abort();
	close(fd);
	return path;
}

/* Loads with a NULL-terminated argument list (after argv[0]); old: a reload's. */
static int vload(struct cfg *c, char **env, const struct cfg *old, va_list ap)
{
	char *argv[MAX_ARGS] = {"ternd"}, kept[256];
	int argc = 1;

	while (argc < MAX_ARGS - 1 && (argv[argc] = va_arg(ap, char *)))
		argc++;
	argv[argc] = NULL;
	if (old)
		return cfg_reload_load(argc, argv, env, old, c, err, kept, sizeof(kept));
	return cfg_load(argc, argv, env, c, err);
}

static int load(struct cfg *c, char **env, ...)
{
	va_list ap;
	int rc;

	va_start(ap, env);
	rc = vload(c, env, NULL, ap);
	va_end(ap);
	return rc;
}

static int reload(struct cfg *c, const struct cfg *old, ...)
{
	va_list ap;
	int rc;

	va_start(ap, old);
	rc = vload(c, no_env, old, ap);
	va_end(ap);
	return rc;
}

static unsigned lines(const char *s)
{
	unsigned n = *s ? 1 : 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* One run: a bad value and an unknown name in the file, a bad environment value, an
 * unknown and a bad command-line option, and a cross-option rule: all six, each with its
 * place. */
static void test_all_errors(void)
{
	char *env[] = {"TERN_MAX_PORT=abc", NULL};
	const char *conf = write_conf("listening-port = 70000;\nbogus = 1;\nrealm = \"\";\n"
				      "user = [\"a:b\"];\n");
	struct cfg c;

	CHECK_EQ_INT(load(&c, env, "-c", (char *)conf, "--no-such", "--relay-threads=999",
			  "--min-port=60000", NULL),
		     -EINVAL, "a load with six errors fails");
	CHECK_EQ_INT(lines(err), 6, "six errors, one a line:\n%s", err);
	CHECK(strstr(err, "listening-port: bad value \"70000\"") && strstr(err, ":1)"),
	      "file value with file:line");
	CHECK(strstr(err, "unknown setting \"bogus\"") && strstr(err, ":2)"),
	      "unknown file name with file:line");
	CHECK(strstr(err, "(environment TERN_MAX_PORT)"), "environment variable named");
	CHECK(strstr(err, "unknown option --no-such"), "unknown option named");
	CHECK(strstr(err, "relay-threads: bad value \"999\"") &&
		      strstr(err, "(command line --relay-threads)"),
	      "command-line option named");
	CHECK(strstr(err, "realm is empty"), "the cross-option rule runs too");
}

static void test_error_cap(void)
{
	char text[64 * 40] = "";
	struct cfg c;

	for (int i = 0; i < 40; i++)
		snprintf(text + strlen(text), sizeof(text) - strlen(text), "bad%d = 1;\n", i);
	CHECK_EQ_INT(load(&c, no_env, "-c", (char *)write_conf(text), NULL), -EINVAL,
		     "40 unknown names fail");
	CHECK_EQ_INT(lines(err), CFG_ERR_CAP + 1, "at most %d errors and one more line",
		     CFG_ERR_CAP);
	CHECK(strstr(err, "bad31 = 1") == NULL && strstr(err, "more errors not shown"),
	      "the rest counted, not shown");
}

/* coturn's -n: not even the embedded default is read. */
static void test_no_config(void)
{
	char *env[] = {"TERN_CONFIG=/nonexistent.conf", NULL};
	struct cfg c;

	CHECK_EQ_INT(load(&c, no_env, "-n", NULL), -EINVAL, "-n alone: no credential source");
	CHECK(strstr(err, "no credential source"), "-n reads no embedded user: %s", err);
	CHECK_EQ_INT(load(&c, env, "-n", "-u", "a:b", NULL), 0, "-n ignores TERN_CONFIG: %s", err);
	CHECK(c.no_config && !c.config_file && !c.lt_cred_mech_given && !c.demo_password,
	      "-n: no file, not the embedded default's lt-cred-mech, no demo user");
	cfg_free(&c);
	CHECK_EQ_INT(load(&c, no_env, "-n", "-c", "/x.conf", "-u", "a:b", NULL), -EINVAL,
		     "-n with -c is an error");
}

/* The short options coturn users type mean what they mean in coturn. */
static void test_coturn_shorts(void)
{
	struct cfg c;

	CHECK_EQ_INT(load(&c, no_env, "-n", "-a", "-f", "-r", "ex.org", "-L", "127.0.0.1", "-E",
			  "127.0.0.2", "-X", "192.0.2.1", "-m", "3", "-v", "-u", "a:b", "-q", "4",
			  "-Q", "9", "-s", "5000", "-B", "60000", "-C", "-", "-N", "ip=127.0.0.1",
			  NULL),
		     0, "coturn's short options load: %s", err);
	CHECK(c.lt_cred_mech_given && c.fingerprint && strcmp(c.realm, "ex.org") == 0,
	      "-a lt-cred-mech, -f fingerprint, -r realm");
	CHECK(c.listening_ip.n == 1 && c.relay_ip.n == 1 && c.external_ip.n == 1,
	      "-L listening-ip, -E relay-ip, -X external-ip");
	CHECK(c.relay_threads == 3 && c.verbose && c.user_quota == 4 && c.total_quota == 9,
	      "-m relay-threads, -v verbose, -q user-quota, -Q total-quota");
	CHECK(c.max_bps == 5000 && c.bps_capacity == 60000, "-s max-bps, -B bps-capacity");
	CHECK(strcmp(c.rest_api_separator, "-") == 0 && c.redis_userdb,
	      "-C rest-api-separator, -N redis-userdb");
	cfg_free(&c);
	CHECK_EQ_INT(load(&c, no_env, "-n", "-u", "a:b", "-V", NULL), 0, "-V: %s", err);
	CHECK(c.verbose && !c.version, "-V is coturn's Verbose, not the version");
	cfg_free(&c);
	CHECK_EQ_INT(load(&c, no_env, "--version", NULL), 0, "--version");
	CHECK(c.version, "--version (long only)");
	cfg_free(&c);
	CHECK_EQ_INT(load(&c, no_env, "--check-config", NULL), 0, "--check-config: %s", err);
	CHECK(c.check_config, "--check-config recorded");
	cfg_free(&c);
}

/* Each row of coturn's table, in the file, the environment and on the command line. */
static void test_coturn_row(const struct cfg_coturn *r)
{
	char text[256], env_name[80], env_var[128], arg[128];
	char *env[] = {env_var, NULL};
	const char *v = r->has_value ? "1" : "true";
	struct cfg c;
	int rc_file, rc_env, rc_cli;

	snprintf(text, sizeof(text), "user = \"a:b\";\n%s = \"%s\";\n", r->name, v);
	cfg_env_name(r->name, env_name, sizeof(env_name));
	snprintf(env_var, sizeof(env_var), "%s=%s", env_name, v);
	snprintf(arg, sizeof(arg), "--%s=%s", r->name, v);
	if (r->kind == CFG_COTURN_RENAMED) {
		CHECK(cfg_opt_find(r->tern) != NULL, "coturn %s renames Tern's %s", r->name,
		      r->tern);
		return;
	}
	rc_file = load(&c, no_env, "-c", (char *)write_conf(text), NULL);
	if (r->kind == CFG_COTURN_BUILTIN) {
		CHECK(rc_file == 0 && c.notes.n == 1 && strstr(c.notes.v[0], r->name) &&
			      strstr(c.notes.v[0], r->why),
		      "built-in %s: accepted in the file with a note", r->name);
		if (rc_file == 0)
			cfg_free(&c);
		return;
	}
	CHECK(rc_file == -EINVAL && strstr(err, r->name) && strstr(err, r->why) &&
		      strstr(err, ":2)"),
	      "unsupported %s refused in the file with why and line: %s", r->name, err);
	rc_env = load(&c, env, "-n", "-u", "a:b", NULL);
	CHECK(rc_env == -EINVAL && strstr(err, env_name), "unsupported %s refused in %s", r->name,
	      env_name);
	rc_cli = load(&c, no_env, "-n", "-u", "a:b", arg, NULL);
	CHECK(rc_cli == -EINVAL && strstr(err, r->why),
	      "unsupported %s refused on the "
	      "command line",
	      r->name);
}

static void test_coturn_names(void)
{
	struct cfg c;

	for (unsigned i = 0; i < cfg_coturn_nopts; i++)
		test_coturn_row(&cfg_coturn_opts[i]);
	CHECK_EQ_INT(load(&c, no_env, "-n", "-u", "a:b", "--no-cli", NULL), 0,
		     "--no-cli (built in): %s", err);
	CHECK(c.notes.n == 1 && strstr(c.notes.v[0], "command line --no-cli"),
	      "the note names the option as typed");
	cfg_free(&c);
}

/* The embedded default with no credential source: user demo, a random password. */
static void test_demo_password(void)
{
	struct cfg a, b, r;

	CHECK_EQ_INT(load(&a, no_env, NULL), 0, "embedded default: %s", err);
	CHECK_EQ_INT(load(&b, no_env, NULL), 0, "embedded default again");
	CHECK(a.demo_password && strlen(a.demo_password) >= 16 &&
		      strspn(a.demo_password, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
					      "0123456789-_") == strlen(a.demo_password),
	      "at least 16 URL-safe characters");
	CHECK(b.demo_password && strcmp(a.demo_password, b.demo_password) != 0,
	      "two loads, two passwords");
	CHECK_EQ_INT(reload(&r, &a, NULL), 0, "reload: %s", err);
	CHECK(r.demo_password && strcmp(r.demo_password, a.demo_password) == 0 && r.user.n == 1 &&
		      strcmp(r.user.v[0] + 5, a.demo_password) == 0,
	      "a reload keeps the running password");
	cfg_free(&r);
	cfg_free(&b);
	CHECK_EQ_INT(load(&b, no_env, "-u", "x:y", NULL), 0, "embedded default with a user");
	CHECK(!b.demo_password && b.user.n == 1, "a user given: no demo user");
	cfg_free(&b);
	CHECK_EQ_INT(load(&b, no_env, "-z", NULL), 0, "no-auth");
	CHECK(!b.demo_password, "no-auth: no demo user");
	cfg_free(&b);
	cfg_free(&a);
	CHECK(strstr(cfg_default_text, "demo-"
				       "password") == NULL &&
		      strstr(cfg_default_text, "\nuser") == NULL,
	      "the embedded default names no user");
}

static void test_facility(void)
{
	struct cfg c;

	CHECK_EQ_INT(load(&c, no_env, "-n", "-u", "a:b", "--syslog-facility=local3", NULL), 0,
		     "syslog-facility local3: %s", err);
	cfg_free(&c);
	CHECK_EQ_INT(load(&c, no_env, "-n", "-u", "a:b", "--syslog-facility=LOCAL9", NULL), -EINVAL,
		     "syslog-facility LOCAL9 refused");
	CHECK(strstr(err, "not a syslog facility"), "why: %s", err);
	CHECK(!(cfg_opt_find("fingerprint")->flags & CFG_F_UNUSED) &&
		      !(cfg_opt_find("proc-user")->flags & CFG_F_UNUSED) &&
		      !(cfg_opt_find("no-stdout-log")->flags & CFG_F_UNUSED) &&
		      !(cfg_opt_find("syslog-facility")->flags & CFG_F_UNUSED),
	      "fingerprint, proc-user, no-stdout-log, syslog-facility are used");
}

int main(void)
{
	test_all_errors();
	test_error_cap();
	test_no_config();
	test_coturn_shorts();
	test_coturn_names();
	test_demo_password();
	test_facility();
	if (path[0])
		unlink(path);
	return tap_done();
}
