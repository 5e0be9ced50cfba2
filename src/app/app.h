/* What ternd runs with once its configuration is loaded, shared by the modules of app/:
 * the server, TURN, the TLS certificates, and the control loop on the main thread, which
 * takes the signals (app/ctl.c) and hosts the admin socket and the drain. Main thread,
 * except struct app_state, which other threads (metrics, admin) read. */
#ifndef TERN_APP_APP_H
#define TERN_APP_APP_H

#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/iprange.h"

struct cfg;
struct event;
struct event_base;
struct app_turn;
struct app_tls;
struct net_server;
struct app_admin;
struct app_drain;

/* The operating state other threads read (metrics: tern_ready, tern_draining, /readyz;
 * the admin socket's status). */
struct app_state {
	atomic_bool ready;    /* every listener open and the workers running */
	atomic_bool draining; /* new allocations refused, existing ones served */
	uint64_t started_s;   /* wall clock (time(2)) when ternd started */
};

struct app {
	const struct cfg *cfg; /* the configuration in effect (reload replaces it) */
	int argc;	       /* the command line, for a reload to read again */
	char **argv;	       /* borrowed from main, which keeps it unchanged */
	struct app_turn *turn;
	struct app_tls *tls;
	struct iprange_list proxy_trusted;
	struct net_server *srv;	 /* set once bound */
	struct event_base *base; /* the control loop (main thread) */
	struct event *sig_ev;	 /* the signalfd */
	int sig_fd;
	int exit_code; /* what ternd exits with once the loop ends */
	struct app_state st;
	struct app_admin *admin; /* the admin socket (app/admin.h), or NULL */
	struct app_drain *drain; /* while draining (app/drain.h), else NULL */
};

/* The control loop: takes SIGTERM/SIGINT (stop; SIGTERM with drain-timeout > 0 drains
 * first, app/drain.h), SIGHUP (reopen the log, reload), SIGUSR2
 * (reload the TLS certificates) from a signalfd on a's event base, until app_ctl_stop.
 * app_ctl_init: sigs are the signals blocked in every thread (signals_block). 0 or
 * -errno. app_ctl_run: runs the loop until app_ctl_stop. app_ctl_fini: frees what init
 * made. */
int app_ctl_init(struct app *a, const sigset_t *sigs);
void app_ctl_run(struct app *a);
void app_ctl_fini(struct app *a);
/* Reload (SIGHUP, the admin socket's reload; app/reload.c): reads the configuration again
 * from the same sources (the file, the environment, the command line, which still wins)
 * and applies it to the running workers: users, TURN REST secrets, realm, quotas,
 * max-bps, peer policy, lifetimes, SOFTWARE, the unauthenticated-reply limits, the log
 * file and level; the TLS certificates are read again. Options that need a restart keep
 * their values and are named in one warning line. Existing allocations keep relaying.
 * 0, or -errno with why (cap bytes) saying what failed in one line (also logged); an
 * invalid configuration changes nothing. Main thread. */
int app_reload(struct app *a, char *why, size_t cap);
/* Ends the control loop: ternd then stops the workers and exits with code. Main thread. */
void app_ctl_stop(struct app *a, int code);

#endif
