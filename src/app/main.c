/* ternd: the whole lifecycle of the server process.
 *   configuration (every error printed, one a line: exit 1; --check-config stops here,
 *   app/check.h) → proc-user/proc-group looked up → log sink → descriptor limit raised
 *   to the hard limit → signal mask → relay addresses and TURN (users, peer policy, nonce
 *   secret), TLS certificates, PROXY protocol sources → net_server_new (binds; failure:
 *   exit 1) → pid file → net_server_start → metrics listener → the admin socket
 *   (app/admin.h) → root dropped (app/privdrop.h; failure: exit 1) → the control loop in
 *   this thread (app/ctl.c: signals; SIGHUP reloads the configuration (app/reload.c),
 *   SIGUSR2 reloads the certificates; SIGTERM/SIGINT stop, SIGTERM with drain-timeout
 *   drains first, app/drain.h) → admin socket closed → net_server_stop →
 *   net_server_free → TURN and TLS freed. The configuration loaded here stays until
 *   exit; a reload's replaces it in struct app and is freed with the TURN generation that
 *   uses it (app/app_turn.h). */
#include "config.h"

#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "app/admin.h"
#include "app/app.h"
#include "app/app_tls.h"
#include "app/app_turn.h"
#include "app/cfg.h"
#include "app/check.h"
#include "app/drain.h"
#include "app/metrics.h"
#include "app/pidfile.h"
#include "app/privdrop.h"
#include "app/signals.h"
#include "base/iprange.h"
#include "base/log.h"
#include "base/xmalloc.h"
#include "net/server.h"

#define EXIT_RUNTIME 1
#define EXIT_CONFIG  1 /* as coturn: a configuration error is a failure to start */

/* Whether log_file names standard output or error (the default sink). */
static bool is_std_sink(const char *log_file)
{
	return !log_file || !*log_file || strcmp(log_file, "stdout") == 0 ||
	       strcmp(log_file, "stderr") == 0;
}

static int open_log(const struct cfg *cfg)
{
	/* no-stdout-log: never stdout or stderr; with no other sink, lines are dropped. */
	const char *path = cfg->no_stdout_log && !cfg->syslog && is_std_sink(cfg->log_file)
				   ? "/dev/null"
				   : cfg->log_file;
	int rc;

	log_set_format(log_format_parse(cfg->log_format) == LOG_FMT_JSON ? LOG_FMT_JSON
									 : LOG_FMT_TEXT);
	log_set_facility(log_facility_parse(cfg->syslog_facility));
	rc = log_open(path, cfg->syslog, (enum log_level)cfg->log_level);

	if (rc < 0)
		fprintf(stderr, "ternd: cannot open log file %s: %s\n", cfg->log_file,
			strerror(-rc));
	return rc;
}

/* RLIMIT_NOFILE up to its hard limit: every relay socket and TCP connection is a
 * descriptor (net/limits.h divides them). Logs the figure in force. */
static void raise_fd_limit(void)
{
	struct rlimit rl;
	int rc = 0;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0) {
		log_warn("app", "getrlimit failed err=\"%s\"", strerror(errno));
		return;
	}
	if (rl.rlim_cur < rl.rlim_max) {
		struct rlimit up = {rl.rlim_max, rl.rlim_max};

		rc = setrlimit(RLIMIT_NOFILE, &up) < 0 ? -errno : 0;
		if (!rc)
			rl.rlim_cur = rl.rlim_max;
	}
	if (rc < 0)
		log_warn("app", "descriptor limit not raised limit=%llu hard=%llu err=\"%s\"",
			 (unsigned long long)rl.rlim_cur, (unsigned long long)rl.rlim_max,
			 strerror(-rc));
	else
		log_info("app", "descriptor limit=%llu hard=%llu", (unsigned long long)rl.rlim_cur,
			 (unsigned long long)rl.rlim_max);
}

static void app_free(struct app *a)
{
	app_drain_free(a);
	app_turn_free(a->turn);
	app_tls_free(a->tls);
	iprange_list_free(&a->proxy_trusted);
	app_ctl_fini(a);
}

/* The listener, relay, TURN, TLS and PROXY options. 0, or -errno with a log line. */
static int build_opts(const struct cfg *cfg, struct net_opts *opts, struct app *a)
{
	int rc;

	if (cfg_to_net_opts(cfg, opts) < 0) {
		log_err("app", "invalid listener or relay configuration");
		return -EINVAL;
	}
	rc = net_opts_relay_addrs(opts);
	if (rc < 0) {
		log_err("app", "cannot list relay addresses err=\"%s\"", strerror(-rc));
		return rc;
	}
	for (size_t i = 0; i < cfg->proxy_protocol_trusted.n; i++)
		if (iprange_list_add(&a->proxy_trusted, cfg->proxy_protocol_trusted.v[i]) < 0)
			return -EINVAL; /* checked at load */
	opts->proxy_trusted = &a->proxy_trusted;
	rc = app_tls_new(cfg, opts, &a->tls);
	if (rc < 0)
		return rc;
	return app_turn_new(cfg, opts, &a->turn);
}

/* The metrics and health listener (prometheus), once the workers run. 0 or -errno. */
static int run_metrics(const struct cfg *cfg, struct app *a, struct metrics **out)
{
	struct metrics_opts mo = {.address = cfg->prometheus_address,
				  .port = (uint16_t)cfg->prometheus_port,
				  .srv = a->srv,
				  .st = &a->st,
				  .redis = app_turn_redis(a->turn),
				  .realm_labels = cfg->prometheus_realm_labels};

	*out = NULL;
	return cfg->prometheus ? metrics_start(&mo, out) : 0;
}

/* proc-user / proc-group: the admin socket (and the directory ternd made for it) and the
 * log file given to that user, then root dropped. 0, or -errno with a log line. */
static int drop_root(const struct cfg *cfg, const struct privdrop *pd)
{
	char why[256];
	int rc;

	if (!pd->on)
		return 0;
	if (cfg->admin_socket && *cfg->admin_socket) {
		char *copy = xstrdup(cfg->admin_socket);
		const char *dir = dirname(copy);
		struct stat st;

		/* Only a directory of ternd's own (0700, ours): never /run or /tmp. */
		if (stat(dir, &st) == 0 && st.st_uid == geteuid() && (st.st_mode & 0777) == 0700)
			privdrop_chown(pd, dir);
		free(copy);
		privdrop_chown(pd, cfg->admin_socket);
	}
	if (!is_std_sink(cfg->log_file) && strcmp(cfg->log_file, "syslog") != 0)
		privdrop_chown(pd, cfg->log_file); /* reopened by path on SIGHUP */
	rc = privdrop_apply(pd, why, sizeof(why));
	if (rc < 0)
		log_err("app", "cannot drop privileges user=%s group=%s err=\"%s\"",
			cfg->proc_user ? cfg->proc_user : "-",
			cfg->proc_group ? cfg->proc_group : "-", why);
	else
		log_info("app", "running as uid=%ld gid=%ld", (long)getuid(), (long)getgid());
	return rc;
}

/* With the workers and the metrics listener running: the admin socket, root dropped,
 * the control loop until it stops; then everything stopped. 0 or -errno. */
static int serve(struct app *a, const struct cfg *cfg, const struct privdrop *pd,
		 struct metrics *metrics)
{
	int rc;

	app_admin_open(a, cfg->admin_socket, &a->admin);
	rc = drop_root(cfg, pd);
	if (rc == 0) {
		atomic_store(&a->st.ready, true);
		log_info("app", "running pid=%ld", (long)getpid());
		app_ctl_run(a);
	}
	app_admin_close(a->admin);
	a->admin = NULL;
	atomic_store(&a->st.ready, false);
	metrics_stop(metrics);
	net_server_stop(a->srv);
	return rc;
}

/* Binds, starts the workers, runs the control loop until it stops, stops. Returns the
 * exit code. */
static int run(const struct cfg *cfg, const sigset_t *sigs, int argc, char **argv,
	       const struct privdrop *pd)
{
	struct net_opts opts;
	struct app a = {.cfg = cfg, .argc = argc, .argv = argv, .sig_fd = -1};
	struct metrics *metrics = NULL;
	int rc;

	a.st.started_s = (uint64_t)time(NULL);
	rc = app_ctl_init(&a, sigs);
	if (rc < 0) {
		log_err("app", "cannot start the control loop err=\"%s\"", strerror(-rc));
		app_free(&a);
		return EXIT_RUNTIME;
	}
	if (build_opts(cfg, &opts, &a) < 0) {
		app_free(&a);
		return EXIT_RUNTIME;
	}
	rc = net_server_new(&opts, &a.srv);
	if (rc < 0) {
		log_err("app", "cannot start err=\"%s\"", strerror(-rc));
		app_free(&a);
		return EXIT_RUNTIME;
	}
	if (cfg->pidfile && (rc = pidfile_write(cfg->pidfile)) < 0) {
		log_err("app", "cannot write pidfile path=%s err=\"%s\"", cfg->pidfile,
			strerror(-rc));
		net_server_free(a.srv);
		app_free(&a);
		return EXIT_RUNTIME;
	}
	rc = net_server_start(a.srv);
	if (rc < 0)
		log_err("app", "cannot start workers err=\"%s\"", strerror(-rc));
	else if ((rc = run_metrics(cfg, &a, &metrics)) < 0)
		net_server_stop(a.srv);
	if (rc == 0)
		rc = serve(&a, cfg, pd, metrics);
	net_server_free(a.srv);
	app_free(&a);
	if (cfg->pidfile)
		pidfile_remove(cfg->pidfile);
	return rc < 0 ? EXIT_RUNTIME : a.exit_code;
}

/* Every configuration error, one a line, on stderr. */
static void print_errors(char *err)
{
	for (char *save = NULL, *line = strtok_r(err, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save))
		fprintf(stderr, "ternd: %s\n", line);
}

/* The demo user's random password (cfg_load: embedded default, no credential source), on
 * stderr whatever the log sink, and in the log. */
static void demo_banner(const struct cfg *cfg)
{
	if (!cfg->demo_password)
		return;
	fprintf(stderr,
		"ternd: no credential source configured: for this run only, the TURN user\n"
		"ternd:   username: %s\n"
		"ternd:   password: %s\n"
		"ternd: (random; set user, redis-userdb or use-auth-secret to choose your own)\n",
		CFG_DEMO_USER, cfg->demo_password);
	log_warn("app", "demo user: user=%s password=%s (random, this run only)", CFG_DEMO_USER,
		 cfg->demo_password);
}

/* --help, --version, --check-config: the exit code, or -1 to start. */
static int early_exit(const struct cfg *cfg)
{
	if (cfg->help) {
		cfg_print_help(stdout, "ternd");
		return 0;
	}
	if (cfg->version) {
		printf("ternd %s\n", PACKAGE_VERSION);
		return 0;
	}
	if (!cfg->check_config)
		return -1;
	log_set_level(LOG_LVL_WARN); /* what the checks load says only what is wrong */
	if (app_check_config(cfg, stderr))
		return EXIT_CONFIG;
	printf("ternd: configuration OK (%s)\n", cfg->config_file ? cfg->config_file
						 : cfg->no_config ? "no file"
								  : "embedded default");
	return 0;
}

/* Loads the configuration and looks proc-user/proc-group up. The exit code, or -1 to
 * start. */
static int load(int argc, char **argv, char **envp, struct cfg *cfg, struct privdrop *pd)
{
	char err[CFG_ERR_MAX];
	int code;

	if (cfg_load(argc, argv, envp, cfg, err) < 0) {
		print_errors(err);
		return EXIT_CONFIG;
	}
	code = early_exit(cfg);
	if (code < 0 && privdrop_lookup(cfg->proc_user, cfg->proc_group, pd, err, 256) < 0) {
		fprintf(stderr, "ternd: %s\n", err);
		code = EXIT_CONFIG;
	}
	if (code >= 0)
		cfg_free(cfg);
	return code;
}

int main(int argc, char **argv, char **envp)
{
	struct cfg cfg;
	struct privdrop pd;
	/* The command line as given, for a reload (cfg_load permutes argv). */
	char **args = xcalloc((size_t)argc + 1, sizeof(*args));
	sigset_t sigs;
	int code, rc;

	memcpy(args, argv, (size_t)argc * sizeof(*args));
	code = load(argc, argv, envp, &cfg, &pd);
	if (code >= 0) {
		free(args);
		return code;
	}
	if (open_log(&cfg) < 0) {
		cfg_free(&cfg);
		free(args);
		return EXIT_RUNTIME;
	}
	cfg_publish(&cfg);
	log_info("app", "ternd starting version=%s", PACKAGE_VERSION);
	cfg_log_summary(&cfg);
	demo_banner(&cfg);
	raise_fd_limit();
	rc = signals_block(&sigs);
	if (rc < 0) {
		log_err("app", "cannot block signals err=\"%s\"", strerror(-rc));
		code = EXIT_RUNTIME;
	} else {
		code = run(&cfg, &sigs, argc, args, &pd);
	}
	log_info("app", "exit code=%d", code);
	cfg_publish(NULL);
	cfg_free(&cfg);
	free(args);
	log_close();
	return code;
}
